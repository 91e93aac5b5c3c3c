"""random family."""
