"""Functional models: a graph of layers called on symbolic inputs."""
__all__ = []
