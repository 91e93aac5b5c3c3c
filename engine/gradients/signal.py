"""signal family."""
