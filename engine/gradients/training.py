"""Optimizer updates are applied outside any tape."""
from .registry import not_differentiable

not_differentiable("ApplyAdam", "AdamStepSize", "AccumulateMean", "ArgmaxMatches")
