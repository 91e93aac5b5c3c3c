"""conv family (GL)."""
