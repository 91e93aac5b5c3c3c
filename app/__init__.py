"""The Glimmer desktop application: project model, capture sources, the ML pipeline, the CLI and the window.

Everything here uses only the engine's public API (`import engine as tf`, tf.keras, engine.applications).
"""
