"""image family."""
