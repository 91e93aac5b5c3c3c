"""indexing family (GL)."""
