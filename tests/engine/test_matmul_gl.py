"""The compute path's matmul tile choices. On a GPU, products too small to fill it with 128 x 128 tiles
run on 32 x 32 tiles; llvmpipe always takes 128, so these tests make the runtime take the GPU's choice.
Every test also runs on cpu, where the patch changes nothing."""
import numpy as np
import pytest

import engine as tf
from tests.engine.opcheck import check_op

RNG = np.random.default_rng(3)


@pytest.fixture
def hardware_tiles(backend, monkeypatch):
    if backend == "gl-compute":
        runtime = tf.runtime.current_backend().runtime
        monkeypatch.setitem(runtime.info, "software", False)
    return backend


@pytest.mark.parametrize("a_shape,b_shape,transpose_a,transpose_b", [
    ((5, 7), (7, 3), False, False),
    ((33, 40), (40, 36), False, False),     # ragged edges of 32-tiles, rows a multiple of 4
    ((2, 9, 35), (35, 6), False, False),    # batch broadcast
    ((40, 33), (35, 40), True, True),
    ((3, 12, 8), (3, 12, 8), True, False),
])
def test_small_products_on_32_tiles(hardware_tiles, a_shape, b_shape, transpose_a, transpose_b):
    a, b = RNG.standard_normal(a_shape), RNG.standard_normal(b_shape)
    reference = lambda x, y: np.matmul(np.swapaxes(x, -1, -2) if transpose_a else x,  # noqa: E731
                                       np.swapaxes(y, -1, -2) if transpose_b else y)
    check_op(lambda x, y: tf.matmul(x, y, transpose_a=transpose_a, transpose_b=transpose_b), reference, [a, b],
             rtol=1e-4, atol=1e-5)


def test_tile_choice_follows_the_grid_size():
    from engine.backends.gl.kernels import matmul
    assert matmul._tile(1024, 1024, 1) == 128     # 64 workgroups of 128 x 128
    assert matmul._tile(512, 512, 1) == 32        # 16 workgroups of 128 x 128 would idle a large GPU
    assert matmul._tile(512, 512, 4) == 128       # batches count as workgroups too
