"""Tile sweep of the gl-compute float32 matmul (gl_kernels/matmul_tuned.comp) against cuBLAS, in one run.

For each tile variant and each n it checks the n x n product against a float64 reference, then times it
until the GPU has finished (loops of at least 0.25 s, as bench/gl.py), beside torch.matmul on CUDA with
TF32 off. Rows "old shader" (matmul_tiled_vec4.comp, what ran before the tuned shader) and "tile rule"
(the tile engine/backends/gl/kernels/matmul.py picks by itself) come first. A variant that fails to
compile or computes wrong results is reported and skipped.

    python bench/matmul_sweep.py              # on a CUDA machine: n = 1024, 2048, 4096 (about 2-5 minutes)
    python bench/matmul_sweep.py --quick      # anywhere (llvmpipe, numpy as the reference): n = 128, 256
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import engine as tf  # noqa: E402
from bench.common import format_time, print_table  # noqa: E402
from bench.gl import _torch_cuda, time_engine, time_numpy, time_torch  # noqa: E402
from engine.backends.gl.kernels import matmul  # noqa: E402
from engine.backends.gl.kernels.matmul import Tile  # noqa: E402

# (BM, BN, BK, TM, TN[, KSPLIT][, WM, WN warp tile][, SM, SN sub-block]): every one fits 32 KiB of shared memory
# (llvmpipe's limit, which 128x128x16 already passes; NVIDIA's is 48 KiB), so the test suite runs each of them on
# llvmpipe too (tests/engine/test_matmul_gl.py). The first of each group without warp tiles ran fastest in the
# previous sweep (the shader without padded tiles or KSPLIT), as a baseline.
VARIANTS = (
    # Large grids (n = 2048, 4096).
    Tile(256, 128, 8, 16, 8),        # 256 threads, 128 accumulators: a warp is 16 x 2 threads
    Tile(256, 128, 8, 8, 16),        # the same tile, warps of 8 x 4 threads: 6 shared-memory wavefronts a depth, not 8
    Tile(128, 256, 8, 8, 16),
    Tile(128, 128, 8, 8, 8),         # 256 threads, 64 accumulators: two workgroups per SM
    Tile(128, 128, 8, 8, 8, 2),      # 512 threads sharing each slice: twice the warps per SM for the same tile
    Tile(128, 128, 8, 16, 8, 2),     # 256 threads of 128 accumulators on half the tile of 256x128: twice the grid
    Tile(128, 128, 8, 8, 16, 2),
    # Grids of about one workgroup per SM (n = 1024: 128 workgroups of 128 x 64).
    Tile(128, 64, 16, 8, 4),         # 256 threads, 32 accumulators
    Tile(128, 64, 8, 8, 4),
    Tile(128, 64, 16, 8, 8, 2),      # 256 threads, 64 accumulators, each multiplying half of every slice
    Tile(128, 64, 8, 8, 8, 2),
    Tile(64, 128, 16, 8, 8, 2),
    Tile(128, 64, 16, 8, 4, 2),      # 512 threads, 32 accumulators
    # Smaller tiles (n = 1024: 256 workgroups).
    Tile(64, 64, 16, 4, 4),          # 256 threads, 16 accumulators
    Tile(64, 64, 16, 8, 4, 2),       # 256 threads, 32 accumulators
    Tile(64, 64, 16, 8, 8, 4),       # 256 threads, 64 accumulators, a quarter of every slice each
    Tile(64, 64, 16, 8, 8, 2),       # 128 threads
    # Warp tiles (in Simon Boehm's CUDA SGEMM worklog, the step from about 80% to 93% of cuBLAS), each computed by
    # one warp of 32 threads in a grid of WM / TM x WN / TN. A square 64 x 64 warp tile reads 128 distinct floats of
    # A and B a depth, where 256x128x8/16x8 warps (2 x 16 threads strided over 32 x 128) read 160.
    Tile(256, 128, 8, 16, 8, wm=64, wn=64),          # 4 x 8 threads: a quarter warp reads one vec4 of A
    Tile(256, 128, 8, 8, 16, wm=64, wn=64),          # 8 x 4 threads
    Tile(256, 128, 8, 8, 16, wm=64, wn=64, sm=8),    # a thread's 8 rows contiguous (the CUDA worklog's layout)
    Tile(128, 256, 8, 8, 16, wm=64, wn=64),
    Tile(128, 128, 8, 8, 8, wm=64, wn=32),           # 256 threads, 64 accumulators
    Tile(128, 128, 8, 8, 8, wm=32, wn=64),
    Tile(128, 128, 8, 8, 8, 2, wm=32, wn=64),        # 512 threads
    Tile(128, 128, 8, 8, 16, wm=64, wn=64),          # 128 threads, 128 accumulators: two workgroups per SM
    Tile(128, 128, 8, 8, 16, wm=64, wn=64, sm=8),
    # Warp tiles on grids of about one workgroup per SM (n = 1024: 128 workgroups of 128 x 64, 256 of 64 x 64).
    Tile(128, 64, 16, 8, 4, wm=32, wn=32),           # 256 threads, 32 accumulators
    Tile(128, 64, 16, 8, 8, 2, wm=64, wn=32),
    Tile(64, 64, 16, 8, 4, 2, wm=32, wn=32),         # the engine's tile at n = 1024, in warp tiles
    Tile(64, 64, 16, 8, 8, 2, wm=32, wn=64),
)
# A wrong variant is off by O(1); a right one by float32 rounding (about 1e-7 of the largest output).
MAX_ERROR = 1e-4
DEFAULT_TILES = matmul.TUNED_TILES


class Reference:
    """cuBLAS through PyTorch (TF32 off) where CUDA is there, else numpy on the CPU."""

    def __init__(self, torch):
        self.torch = torch
        self.name = f"cuBLAS ({torch.cuda.get_device_name()})" if torch else "numpy CPU"
        self.short = "cuBLAS" if torch else "numpy"

    def product(self, a, b):
        """(seconds per float32 product, its result, the float64 product) for numpy arrays a, b."""
        torch = self.torch
        if torch is None:
            return time_numpy(lambda: a @ b, 5), a @ b, a.astype(np.float64) @ b.astype(np.float64)
        ta, tb = torch.from_numpy(a).cuda(), torch.from_numpy(b).cuda()
        seconds = time_torch(torch, lambda: torch.matmul(ta, tb), 20)
        exact = torch.matmul(ta.double(), tb.double()).cpu().numpy()
        return seconds, torch.matmul(ta, tb).cpu().numpy(), exact


def tflops(flops, seconds):
    rate = flops / seconds / 1e12
    return f"{rate:.2f}" if rate >= 0.1 else f"{rate:.2g}"


def relative_error(result, exact):
    return float(np.max(np.abs(result - exact)) / max(np.max(np.abs(exact)), 1e-30))


def configure(row):
    """Point the matmul kernel at one sweep row: "old shader", "tile rule", or a Tile."""
    matmul.forced_tile = row if isinstance(row, Tile) else None
    matmul.TUNED_TILES = () if row == "old shader" else DEFAULT_TILES


def measure(row, ta, tb, exact, reference_seconds):
    """(error, seconds) of one row; raises where the shader does not compile; seconds None if wrong."""
    configure(row)
    error = relative_error(tf.matmul(ta, tb).numpy(), exact)
    if not error <= MAX_ERROR:   # NaN counts as wrong
        return error, None
    # Start with loops of about 50 ms; _timed_loop lengthens them to 0.25 s.
    iterations = max(2, int(0.05 / max(reference_seconds * 2, 1e-6)))
    return error, time_engine(lambda: tf.matmul(ta, tb), iterations)


def sweep_size(n, rows, reference, rng, started, budget, failed):
    """Table rows for one n (printed as they come, so a run cut short still shows what it measured) and
    the best variant as (tile, fraction). `failed`: name -> message of rows that did not compile."""
    a = rng.standard_normal((n, n)).astype(np.float32)
    b = rng.standard_normal((n, n)).astype(np.float32)
    flops = 2.0 * n ** 3
    ref_seconds, ref_result, exact = reference.product(a, b)
    ta, tb = tf.constant(a), tf.constant(b)
    results, best = [], (None, 0.0)
    for row in rows:
        name = str(row)
        if name in failed:
            results.append((row, f"skipped: failed to compile ({failed[name]})", None, None))
        elif time.perf_counter() - started > budget:
            results.append((row, "skipped: time budget spent", None, None))
        else:
            try:
                error, seconds = measure(row, ta, tb, exact, ref_seconds)
                results.append((row, None, error, seconds))
            except Exception as exc:   # a variant that does not compile must not stop the sweep
                lines = str(exc).strip().splitlines()
                failed[name] = f"{type(exc).__name__}: {lines[0] if lines else ''}"
                results.append((row, f"failed: {failed[name]}", None, None))
                print(f"{name} at n = {n} failed:\n{exc}", file=sys.stderr)
        row, note, error, seconds = results[-1]
        print(f"  n = {n} {name}: {note or ('WRONG RESULT' if seconds is None else format_time(seconds))}"
              + (f", error {error:.1e}" if error is not None else ""), flush=True)
    # cuBLAS timed again after our rows: the faster of its two timings is the reference (a fair, stable one).
    ref_seconds = min(ref_seconds, reference.product(a, b)[0])
    table = [[reference.name, "—", n, format_time(ref_seconds), tflops(flops, ref_seconds), "100%",
              f"{relative_error(ref_result, exact):.1e}"]]
    for row, note, error, seconds in results:
        threads = row.threads if isinstance(row, Tile) else "—"
        error_text = "" if error is None else f"{error:.1e}"
        if note or seconds is None:
            table.append([row, threads, n, note or "WRONG RESULT", "", "", error_text])
            continue
        fraction = ref_seconds / seconds
        table.append([row, threads, n, format_time(seconds), tflops(flops, seconds), f"{fraction:.0%}", error_text])
        if isinstance(row, Tile) and fraction > best[1]:
            best = (row, fraction)
    del ta, tb
    tf.runtime.current_backend().synchronize()
    return table, best


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small n, for a CPU-only machine (llvmpipe)")
    parser.add_argument("--sizes", default="", help="comma-separated n (default 1024,2048,4096; --quick: 128,256)")
    parser.add_argument("--only", default="",
                        help="comma-separated variant names to keep, e.g. 256x128x8/16x8,128x64x16/8x8/k2")
    parser.add_argument("--budget", type=float, default=400.0,
                        help="seconds after which the remaining variants are skipped (default 400)")
    args = parser.parse_args()
    started = time.perf_counter()
    torch = None if args.quick else _torch_cuda()
    sizes = [int(v) for v in args.sizes.split(",") if v] or ([128, 256] if args.quick else [1024, 2048, 4096])
    variants = [v for v in VARIANTS if not args.only or str(v) in args.only.split(",")]
    info = tf.backends().get("gl-compute", {})
    if not info.get("available"):
        sys.exit(f"gl-compute is not available here: {info.get('reason', 'no GL')}")
    tf.set_backend("gl-compute")
    reference = Reference(torch)
    print(f"matmul sweep on {info['renderer']} ({info['version']}); reference: {reference.name}; "
          f"float32, TF32 off; sizes {sizes}", flush=True)
    if torch is None and not args.quick:
        print("No CUDA PyTorch here: timing against numpy on the CPU (use --quick on such machines).")

    rng = np.random.default_rng(0)
    table, best, failed = [], {}, {}
    for n in sizes:
        rows, best[n] = sweep_size(n, ["old shader", "tile rule", *variants], reference, rng, started, args.budget,
                                   failed)
        table += rows
    configure("tile rule")

    print_table(f"gl-compute float32 matmul vs {reference.name} (fraction: reference time / ours; higher is better)",
                ["variant (BMxBNxBK/TMxTN[/kKSPLIT][/wWMxWN][/sSMxSN])", "threads", "n", "time", "TFLOP/s",
                 f"fraction of {reference.short}", "max error / max |C|"], table)
    print()
    for n, (tile, fraction) in best.items():
        if tile is not None:
            print(f"best at n = {n}: {tile} = {tile!r}, {fraction:.0%} of the reference")
    print(f"tile rule now: TUNED_TILES = {', '.join(map(str, DEFAULT_TILES))}, the first whose grid has "
          f">= {matmul.TUNED_GRID} workgroups")
    print(f"sweep took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
