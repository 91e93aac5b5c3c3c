"""nn family."""
