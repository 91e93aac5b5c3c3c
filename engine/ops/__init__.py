"""Public ops, one module per family. Each op validates its inputs and calls run_kernel."""
from . import (  # noqa: F401  (importing a family exports its ops)
    convert, unary, binary, reduction, shape, indexing, creation, random, linalg, nn, conv, image, signal, training,
)
