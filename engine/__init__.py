"""Glimmer's ML engine. `import engine as tf` runs ordinary TF 2 code for the subset it implements."""
import os as _os

from . import errors, runtime as _runtime
from .dtypes import DType, as_dtype, bool_ as bool, complex64, float16, float32, int32  # noqa: A001
from .shape import TensorShape
from .tensor import Tensor, Variable, is_tensor
from . import ops as _ops  # noqa: F401  (registers every op)
from .backends import cpu as _cpu_backend  # noqa: F401  (registers the cpu backend)
from .backends import gl as _gl_backends  # noqa: F401  (registers gl-compute and gl-fragment; starts nothing)
from . import gradients as _gradients  # noqa: F401
from .autodiff import (GradientTape, custom_gradient, grad, grads, stop_gradient, value_and_grad,  # noqa: F401
                       value_and_grads, variable_grads)
from .memory import dispose, keep, memory, profile, tidy  # noqa: F401
from .runtime import backends, get_backend, set_backend  # noqa: F401
from .tracing import function  # noqa: F401
from . import optimizers  # noqa: F401
from . import keras, io  # noqa: F401,E402
from . import applications  # noqa: F401,E402
from . import _export

__version__ = "0.1.0"
newaxis = None

_export.install(_sys_module := __import__("sys").modules[__name__])
del _sys_module


def _choose_start_backend():
    requested = _os.environ.get("GLIMMER_BACKEND")
    if requested:
        set_backend(requested)


_choose_start_backend()
