"""GL backend benchmark: each GL path vs PyTorch on the same GPU (CUDA, fp32, TF32 off), in one run.

On a machine without CUDA the table compares with numpy on the CPU instead
(llvmpipe there is for tests, not speed: information only).

    python bench/gl.py [--only matmul,add,...]
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import engine as tf  # noqa: E402
from bench.common import format_time, print_table  # noqa: E402

RNG = np.random.default_rng(0)


def _torch_cuda():
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    return torch


# Each timed loop runs at least this long: a fixed cost per loop (the wait for the first queued work to
# reach the GPU, then the final sync) is about 4 ms for the GL path on an H100, which a 200-op loop of
# 70 us ops would spread as 20 us an op (measured 2026-11-26: 88.5 us/op over 200 ops, 73.6 over 3000,
# GPU busy 72 us/op in both).
MIN_LOOP_SECONDS = 0.25


def _timed_loop(fn, iterations, synchronize):
    """Seconds per call of fn: loops of growing length until one lasts MIN_LOOP_SECONDS, then the faster of that
    loop and one more of the same length. On an H100 the first such loop of a process ran a 1024 x 1024 matmul
    at 72-73 us where later loops of the same shader took 64-65 us (2026-11-27)."""
    fn()
    fn()
    synchronize()

    def loop():
        start = time.perf_counter()
        for _ in range(iterations):
            fn()
        synchronize()
        return time.perf_counter() - start

    while True:
        elapsed = loop()
        if elapsed >= MIN_LOOP_SECONDS or iterations >= 100_000:
            return min(elapsed, loop()) / iterations
        iterations = min(100_000, max(iterations * 2, int(iterations * MIN_LOOP_SECONDS / max(elapsed, 1e-6) * 1.2)))


def time_engine(fn, iterations):
    """Seconds per call of fn on the current backend, until the GPU has finished (no readback, like torch)."""
    return _timed_loop(fn, iterations, tf.runtime.current_backend().synchronize)


def time_torch(torch, fn, iterations):
    return _timed_loop(fn, iterations, torch.cuda.synchronize)


def time_numpy(fn, iterations):
    fn()
    start = time.perf_counter()
    for _ in range(iterations):
        fn()
    return (time.perf_counter() - start) / iterations


def engine_cnn_step(batch):
    from bench.ops import engine_cnn
    return engine_cnn(batch)


def torch_cnn_step(torch, batch, device):
    from bench.ops import torch_cnn
    return torch_cnn(torch, batch, device)


def workloads(torch, scale):
    """(name, engine fn factory, torch fn factory, numpy fn, work units, unit name) per row."""
    rows = []
    device = "cuda"
    for n in (1024, 2048, 4096) if scale == "gpu" else (256,):
        a = RNG.standard_normal((n, n)).astype(np.float32)
        b = RNG.standard_normal((n, n)).astype(np.float32)

        def engine_fn(a=a, b=b):
            ta, tb = tf.constant(a), tf.constant(b)
            return lambda: tf.matmul(ta, tb)

        def torch_fn(a=a, b=b):
            ta, tb = torch.from_numpy(a).to(device), torch.from_numpy(b).to(device)
            return lambda: torch.matmul(ta, tb)
        rows.append((f"matmul {n}", engine_fn, torch_fn, lambda a=a, b=b: a @ b, 2 * n ** 3 / 1e9, "GFLOP/s"))
    size = 16 * 1024 * 1024 if scale == "gpu" else 1024 * 1024
    x = RNG.standard_normal(size).astype(np.float32)
    y = RNG.standard_normal(size).astype(np.float32)
    for name, op, top in (("add", tf.add, "add"), ("multiply", tf.multiply, "mul")):
        def engine_fn(op=op, x=x, y=y):
            tx, ty = tf.constant(x), tf.constant(y)
            return lambda: op(tx, ty)

        def torch_fn(top=top, x=x, y=y):
            tx, ty = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)
            return lambda: getattr(torch, top)(tx, ty)
        rows.append((f"{name} {size // (1 << 20)}M floats", engine_fn, torch_fn, lambda x=x, y=y: x + y,
                     3 * 4 * size / 1e9, "GB/s"))
    x = RNG.standard_normal((32, 56, 56, 64)).astype(np.float32)
    w = (RNG.standard_normal((3, 3, 64, 64)) * 0.05).astype(np.float32)
    rows.append(("conv2d 3x3 [32,56,56,64]->64",
                 lambda x=x, w=w: (lambda tx=tf.constant(x), tw=tf.constant(w): lambda: tf.nn.conv2d(tx, tw, 1, "SAME"))(),
                 lambda x=x, w=w: (lambda tx=torch.from_numpy(x.transpose(0, 3, 1, 2).copy()).to(device),
                          tw=torch.from_numpy(w.transpose(3, 2, 0, 1).copy()).to(device):
                          lambda: torch.nn.functional.conv2d(tx, tw, padding=1))(),
                 None, 2 * 32 * 56 * 56 * 64 * 64 * 9 / 1e9, "GFLOP/s"))
    x = RNG.standard_normal((32, 112, 112, 32)).astype(np.float32)
    w = RNG.standard_normal((3, 3, 32, 1)).astype(np.float32)
    rows.append(("depthwise 3x3 [32,112,112,32]",
                 lambda x=x, w=w: (lambda tx=tf.constant(x), tw=tf.constant(w):
                          lambda: tf.nn.depthwise_conv2d(tx, tw, [1, 1, 1, 1], "SAME"))(),
                 lambda x=x, w=w: (lambda tx=torch.from_numpy(x.transpose(0, 3, 1, 2).copy()).to(device),
                          tw=torch.from_numpy(w.transpose(2, 3, 0, 1).copy()).to(device):
                          lambda: torch.nn.functional.conv2d(tx, tw, padding=1, groups=32))(),
                 None, 2 * 4 * x.size / 1e9, "GB/s"))
    x = RNG.standard_normal((32, 112, 112, 64)).astype(np.float32)
    rows.append(("max_pool2d 3x3 s2 [32,112,112,64]",
                 lambda x=x, w=w: (lambda tx=tf.constant(x): lambda: tf.nn.max_pool2d(tx, 3, 2, "SAME"))(),
                 lambda x=x, w=w: (lambda tx=torch.from_numpy(x.transpose(0, 3, 1, 2).copy()).to(device):
                          lambda: torch.nn.functional.max_pool2d(tx, 3, 2, padding=1))(),
                 None, 1.25 * 4 * x.size / 1e9, "GB/s"))
    cnn = ("small CNN train step, batch 64", lambda: engine_cnn_step(64), lambda: torch_cnn_step(torch, 64, device),
           None, None, "")
    logits = RNG.standard_normal((4096, 1000)).astype(np.float32)
    softmax = ("softmax [4096,1000]", lambda: (lambda t=tf.constant(logits): lambda: tf.nn.softmax(t))(),
               lambda: (lambda t=torch.from_numpy(logits).to(device): lambda: torch.softmax(t, -1))(),
               None, 2 * 4 * logits.size / 1e9, "GB/s")
    one = np.ones(1, np.float32)
    overhead = ("add, 1 element (dispatch overhead)",
                lambda: (lambda t=tf.constant(one): lambda: tf.add(t, t))(),
                lambda: (lambda t=torch.from_numpy(one).to(device): lambda: torch.add(t, t))(),
                None, None, "")
    # The same three through tf.function: what a replay of recorded dispatches costs against eager ops.
    return rows + [cnn, softmax, overhead] + [_traced(row) for row in (cnn, softmax, overhead)]


def _traced(row):
    name, engine_fn, torch_fn, numpy_fn, units, unit = row
    return f"{name}, tf.function", lambda: tf.function(engine_fn()), torch_fn, numpy_fn, units, unit


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="")
    parser.add_argument("--backends", default="gl-compute,gl-fragment")
    args = parser.parse_args()
    torch = _torch_cuda()
    scale = "gpu" if torch is not None else "cpu"
    info = tf.backends()
    gl_info = next((v for k, v in info.items() if k.startswith("gl") and v["available"]), None)
    device = f"{gl_info['renderer']} ({gl_info['version']})" if gl_info else "no GL"
    print(f"GL benchmark on {device}; reference: {'PyTorch ' + torch.__version__ + ' CUDA ' + torch.cuda.get_device_name() if torch else 'numpy CPU'}")
    table = []
    for name, engine_fn, torch_fn, numpy_fn, units, unit in workloads(torch, scale):
        if args.only and not any(key in name for key in args.only.split(",")):
            continue
        iterations = 20 if units and units > 50 else 200
        reference = time_torch(torch, torch_fn(), iterations) if torch else (
            time_numpy(numpy_fn, max(3, iterations // 10)) if numpy_fn else None)
        row = [name, format_time(reference)]
        for backend in args.backends.split(","):
            if not info.get(backend, {}).get("available"):
                row += ["unavailable", "—"]
                continue
            tf.set_backend(backend)
            try:
                ours = time_engine(engine_fn(), iterations)
            except Exception as exc:  # a missing kernel must not hide the other rows
                row += [f"error: {type(exc).__name__}", "—"]
                continue
            rate = f" ({units / ours:.0f} {unit})" if units else ""
            row += [format_time(ours) + rate, f"{reference / ours:.0%}" if reference else "—"]
        table.append(row)
    columns = ["workload", "PyTorch CUDA" if torch else "numpy CPU"]
    for backend in args.backends.split(","):
        columns += [backend, f"{backend} / ref speed"]
    print_table("GL backends (speed as a fraction of the reference: higher is better)", columns, table)


if __name__ == "__main__":
    main()
