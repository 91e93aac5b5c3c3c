"""linalg family."""
