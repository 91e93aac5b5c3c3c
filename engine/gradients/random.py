"""Random kernels carry no gradient."""
from .registry import not_differentiable

not_differentiable("RandomUniform", "RandomUniformInt", "RandomStandardNormal", "TruncatedNormal", "RandomShuffle")
