"""linalg family (GL)."""
