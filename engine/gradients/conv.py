"""conv family."""
