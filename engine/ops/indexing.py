"""indexing family."""
