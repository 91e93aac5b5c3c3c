"""Backends register themselves with `engine.runtime.register_backend`; see base.Backend."""
