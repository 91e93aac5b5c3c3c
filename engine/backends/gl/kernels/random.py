"""random family (GL)."""
