"""image family (GL)."""
