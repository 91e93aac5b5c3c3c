"""nn family (GL)."""
