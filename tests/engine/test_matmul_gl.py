"""The GL matmul specialisations. The compute path's tile choices: on a GPU, products too small to fill it
with 128 x 128 tiles run on 32 x 32 tiles; llvmpipe always takes 128, so these tests make the runtime take
the GPU's choice (on cpu the patch changes nothing). The compute path's tuned shader (matmul_tuned.comp) at
every tile bench/matmul_sweep.py times. The fragment path's whole-texel reads, where the operands' layout
allows them."""
import numpy as np
import pytest

import engine as tf
from tests.conftest import BACKENDS
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


# The tuned shader (gl_kernels/matmul_tuned.comp). llvmpipe keeps the older shaders by default, so these tests
# force a tile: every product whose rows are 16-byte aligned then runs on the tuned shader, as on a GPU.
def _reference(transpose_a, transpose_b):
    return lambda x, y: np.matmul(np.swapaxes(x, -1, -2) if transpose_a else x,
                                  np.swapaxes(y, -1, -2) if transpose_b else y)


@pytest.fixture
def tuned_sources(backend, monkeypatch):
    """Force matmul.TUNED_TILES[0] (256x128x8/16x8) on gl-compute; the list fills with the shader file of each
    program run."""
    from engine.backends.gl.kernels import matmul
    sources = []
    if backend == "gl-compute":
        monkeypatch.setattr(matmul, "forced_tile", matmul.TUNED_TILES[0])
        instance = tf.runtime.current_backend()
        run = instance.program

        def recording(spec):
            sources.append(getattr(spec, "source", None))
            return run(spec)
        monkeypatch.setattr(instance, "program", recording)
    return sources


@pytest.mark.parametrize("a_shape,b_shape,transpose_a,transpose_b", [
    ((1, 4), (4, 4), False, False),
    ((3, 8), (8, 12), False, False),
    ((5, 20), (20, 4), False, False),         # k = 20: 3 K-slices of 8, the last partial
    ((17, 36), (36, 132), False, False),      # n = 132: a second, ragged column tile of 128
    ((257, 12), (12, 8), False, False),       # m = 257: a second, one-row tile of 256
    ((513, 52), (52, 20), False, False),      # 3 row tiles, 7 K-slices (the last partial)
    ((3, 100), (100, 8), False, False),       # 13 K-slices: both shared buffers, odd count
    ((36, 20), (36, 132), True, False),
    ((17, 36), (132, 36), False, True),
    ((36, 20), (132, 36), True, True),
    ((2, 3, 5, 8), (8, 4), False, False),     # b broadcast over a's batch (its batch stride 0)
    ((8, 12), (3, 12, 4), False, False),      # a broadcast over b's batch
    ((2, 1, 3, 8), (1, 4, 8, 12), False, False),
    ((3, 12, 8), (3, 12, 8), True, False),    # batched, transposed
    ((5, 0), (0, 8), False, False),           # k = 0: zeros
])
def test_tuned_shader_matches_numpy(tuned_sources, backend, a_shape, b_shape, transpose_a, transpose_b):
    a, b = RNG.standard_normal(a_shape), RNG.standard_normal(b_shape)
    check_op(lambda x, y: tf.matmul(x, y, transpose_a=transpose_a, transpose_b=transpose_b),
             _reference(transpose_a, transpose_b), [a, b], rtol=1e-4, atol=1e-5)
    if backend == "gl-compute":
        assert "matmul_tuned.comp" in tuned_sources


def test_tuned_shader_needs_aligned_rows(tuned_sources, backend):
    """n = 6: output rows are not 16-byte aligned, so the scalar tiled shader computes the product."""
    check_op(tf.matmul, np.matmul, [RNG.standard_normal((5, 8)), RNG.standard_normal((8, 6))], rtol=1e-4, atol=1e-5)
    if backend == "gl-compute":
        assert "matmul_tuned.comp" not in tuned_sources and "matmul_tiled.comp" in tuned_sources


def _sweep_tiles():
    from bench.matmul_sweep import VARIANTS
    return VARIANTS


def _tile(*fields, **warp_fields):
    from engine.backends.gl.kernels.matmul import Tile
    return Tile(*fields, **warp_fields)


# Tiles exist only on the compute path: these tests run there alone (on llvmpipe in CI).
on_compute_path = pytest.mark.parametrize("backend", [name for name in BACKENDS if name == "gl-compute"],
                                          indirect=True)


@on_compute_path
@pytest.mark.parametrize("transposed", [False, True])
@pytest.mark.parametrize("tile", _sweep_tiles(), ids=str)
def test_every_sweep_tile(backend, monkeypatch, tile, transposed):
    """Each tile bench/matmul_sweep.py times, on 2 x 2 tiles with ragged edges and 3 K-slices (the last partial).
    Plain operands and both transposed together cover each operand's two load paths."""
    from engine.backends.gl.kernels import matmul
    monkeypatch.setattr(matmul, "forced_tile", tile)
    m, k, n = tile.bm + (4 if transposed else 3), 2 * tile.bk + 4, tile.bn + 12
    a = RNG.standard_normal((k, m) if transposed else (m, k))
    b = RNG.standard_normal((n, k) if transposed else (k, n))
    check_op(lambda x, y: tf.matmul(x, y, transpose_a=transposed, transpose_b=transposed),
             _reference(transposed, transposed), [a, b], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("a_shape,b_shape,transpose_a,transpose_b", [
    ((2, 3, 70, 40), (40, 68), False, False),     # b broadcast over a's batch, ragged tiles, 3 K-slices
    ((40, 70), (3, 68, 40), True, True),          # a broadcast over b's batch
    ((3, 40, 70), (3, 40, 68), True, False),      # batched, A alone transposed
    ((3, 70, 40), (68, 40), False, True),         # B alone transposed, broadcast over a's batch
])
@pytest.mark.parametrize("tile", [
    _tile(64, 64, 16, 8, 8, 4),
    _tile(64, 64, 16, 8, 4, 2, wm=32, wn=32),
    # C (70 x 68) in one tile: its lower warps store 6 rows, its right warps 4 columns.
    _tile(128, 128, 8, 8, 16, wm=64, wn=64, sm=8),
], ids=str)
@on_compute_path
def test_split_and_warp_tiles_on_batched_products(backend, monkeypatch, tile, a_shape, b_shape, transpose_a,
                                                  transpose_b):
    """KSPLIT = 4: each workgroup's 4 groups add up their sums in 4 rounds through shared memory (2 rows each).
    Warp tiles, with and without KSPLIT, place every thread's sub-blocks inside its warp's part of the tile."""
    from engine.backends.gl.kernels import matmul
    monkeypatch.setattr(matmul, "forced_tile", tile)
    check_op(lambda x, y: tf.matmul(x, y, transpose_a=transpose_a, transpose_b=transpose_b),
             _reference(transpose_a, transpose_b), [RNG.standard_normal(a_shape), RNG.standard_normal(b_shape)],
             rtol=1e-4, atol=1e-5)


@on_compute_path
@pytest.mark.parametrize("tile", [_tile(256, 128, 8, 16, 8), _tile(64, 64, 16, 8, 8, 4),
                                  _tile(64, 64, 16, 8, 4, 2, wm=32, wn=32),
                                  _tile(128, 128, 8, 8, 16, wm=64, wn=64, sm=8)], ids=str)
def test_tuned_shader_stores_through_the_fused_epilogue(backend, monkeypatch, tile):
    """A tf.function replay folds the batch norm and the ReLU that read the product into its stores (fusion.py);
    n = 36 leaves a ragged column tile, whose missing column quads load no batch norm parameters."""
    from engine.backends.gl.kernels import matmul
    monkeypatch.setattr(matmul, "forced_tile", tile)
    mean, variance, offset, scale = (tf.constant(RNG.random(36).astype(np.float32) + 0.5) for _ in range(4))
    weights = tf.constant(RNG.standard_normal((40, 36)).astype(np.float32))

    def block(x):
        return tf.nn.relu(tf.nn.batch_normalization(tf.matmul(x, weights), mean, variance, offset, scale, 1e-3))

    fast = tf.function(block)
    x = RNG.standard_normal((70, 40)).astype(np.float32)
    fast(x)
    np.testing.assert_allclose(fast(x).numpy(), block(tf.constant(x)).numpy(), rtol=1e-5, atol=1e-5)
    assert fast.dispatch_count(x) == 1


@on_compute_path
@pytest.mark.parametrize("tile", [_tile(128, 128, 16, 8, 6),                   # TN not a multiple of 4
                                  _tile(64, 64, 16, 8, 8, 3),                    # KSPLIT not dividing BK
                                  _tile(128, 128, 8, 8, 8, wm=48, wn=32),        # a warp tile not dividing BM
                                  _tile(128, 128, 8, 8, 8, wm=64, wn=32, sm=6)],  # SM not a multiple of 4
                         ids=["tn6", "ksplit3", "wm48", "sm6"])
def test_a_tile_the_shader_cannot_take_fails_to_compile(backend, monkeypatch, tile):
    from engine.backends.gl.kernels import matmul
    from engine.errors import BackendError
    monkeypatch.setattr(matmul, "forced_tile", tile)
    with pytest.raises(BackendError, match="matmul_tuned.comp"):
        tf.matmul(tf.ones((8, 8)), tf.ones((8, 8))).numpy()


class _Recorder:
    """A stand-in gl-compute backend: records the spec a kernel asks to run."""

    def __init__(self, software):
        from types import SimpleNamespace
        self.runtime = SimpleNamespace(info={"software": software})

    def program(self, spec):
        self.spec = spec


def _chosen(m, k, n, software=False, batch=()):
    from engine.backends.gl.kernels.matmul import batch_matmul
    recorder = _Recorder(software)
    batch_matmul(recorder, tf.zeros(batch + (m, k)), tf.zeros((k, n)))
    defines = dict(recorder.spec.defines)
    tile = tuple(defines.get(name) for name in ("BM", "BN", "BK", "TM", "TN", "KSPLIT", "WG_SIZE"))
    return recorder.spec.source, tile


def test_gpus_take_the_tuned_shader_for_products_that_fill_them(cpu):
    assert _chosen(2048, 2048, 2048) == ("matmul_tuned.comp", (256, 128, 8, 16, 8, 1, 256))   # 128 workgroups
    assert _chosen(1536, 1536, 1536) == ("matmul_tuned.comp", (128, 128, 8, 8, 8, 1, 256))    # 256x128: 72
    assert _chosen(1024, 1024, 1024) == ("matmul_tuned.comp", (64, 128, 16, 8, 8, 2, 256))    # 128x128: 64
    assert _chosen(256, 64, 256, batch=(8,)) == ("matmul_tuned.comp", (64, 64, 16, 8, 4, 2, 256))  # 64x128: 64
    assert _chosen(512, 512, 512)[0] == "matmul_tiled.comp"        # too small for every tuned tile: 32-tiles
    assert _chosen(2048, 2048, 2046)[0] == "matmul_tiled.comp"     # rows not 16-byte aligned


def test_llvmpipe_keeps_the_older_shaders_unless_a_tile_is_forced(cpu, monkeypatch):
    from engine.backends.gl.kernels import matmul
    assert _chosen(2048, 2048, 2048, software=True)[0] == "matmul_tiled_vec4.comp"
    monkeypatch.setattr(matmul, "forced_tile", matmul.Tile(64, 64, 16, 8, 8, 4))
    assert _chosen(8, 8, 8, software=True) == ("matmul_tuned.comp", (64, 64, 16, 8, 8, 4, 256))
