"""GL kernels, one module per op family (mirroring engine/backends/cpu/)."""
from . import (  # noqa: F401  (importing a family registers its kernels)
    core, unary, binary, reduction, shape, indexing, creation, random, linalg, matmul, nn, nn_rows, conv, image,
    signal, training,
)
