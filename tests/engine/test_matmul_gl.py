"""The GL matmul specialisations. The compute path's tile choices: on a GPU, products too small to fill it
with 128 x 128 tiles run on 32 x 32 tiles; llvmpipe always takes 128, so these tests make the runtime take
the GPU's choice (on cpu the patch changes nothing). The fragment path's whole-texel reads, where the
operands' layout allows them."""
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


@pytest.mark.parametrize("a_shape,b_shape", [
    ((5, 8), (8, 12)),              # K and N multiples of 4: the fragment path reads whole texels
    ((3, 7, 16), (16, 4)),          # b broadcast over a's batch
    ((16, 4), (2, 4, 8)),           # a broadcast over b's batch
    ((2, 1, 3, 12), (1, 4, 12, 8)), # both broadcast
    ((6, 8), (8, 6)),               # N not a multiple of 4: one element at a time
    ((6, 10), (10, 8)),             # K not a multiple of 4
])
def test_products_read_whole_texels_where_the_layout_allows(backend, a_shape, b_shape):
    check_op(tf.matmul, np.matmul, [RNG.standard_normal(a_shape), RNG.standard_normal(b_shape)], rtol=1e-4,
             atol=1e-5)


def test_only_the_fragment_path_reads_whole_texels():
    from engine.backends.gl.program import fragment_source
    from engine.backends.gl.kernels.linalg import batch_matmul

    class Recorder:
        def __init__(self, path):
            self.path = path

        def program(self, spec):
            self.spec = spec

    for path, expected in (("fragment", True), ("compute", False)):
        recorder = Recorder(path)
        batch_matmul(recorder, tf.zeros((4, 8)), tf.zeros((8, 12)))
        assert ("COMPUTE_TEXEL" in dict(recorder.spec.defines)) is expected
    recorder = Recorder("fragment")
    batch_matmul(recorder, tf.zeros((4, 8)), tf.zeros((12, 8)), transpose_b=True)
    assert "COMPUTE_TEXEL" not in dict(recorder.spec.defines)
    batch_matmul(recorder, tf.zeros((4, 8)), tf.zeros((8, 12)))
    assert "compute_texel(texel * 4)" in fragment_source(recorder.spec)
