"""signal family (GL)."""
