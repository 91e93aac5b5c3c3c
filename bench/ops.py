"""Engine op benchmark on the cpu backend: per-op overhead, matmul, convolutions, training steps.

Each row is measured in this run against numpy direct, PyTorch CPU (if installed:
`pip install torch==2.13.0`, bench only) and TensorFlow.js in Node (if `npm` can
install @tensorflow/tfjs into bench/tfjs). Ratios are ours / theirs: lower is better.

    python bench/ops.py
"""
import json
import os
import platform
import shutil
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import engine as tf  # noqa: E402
from bench.common import format_time, measure, print_table, ratio  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
RNG = np.random.default_rng(0)


def _torch():
    # PyTorch's OpenMP workers otherwise spin after each call and steal the 2 cores
    # from whatever is measured next (numpy, and so our cpu backend).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import torch
    except ImportError:
        return None
    torch.backends.mkldnn.enabled = True
    return torch


# --- numpy direct references ------------------------------------------------------
def numpy_conv2d_same(x, w, stride):
    n, h, wd, c = x.shape
    kh, kw, _, out = w.shape
    oh, ow = -(-h // stride), -(-wd // stride)
    ph = max((oh - 1) * stride + kh - h, 0)
    pw = max((ow - 1) * stride + kw - wd, 0)
    xp = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(1, 2))[:, ::stride, ::stride]
    cols = windows.transpose(0, 1, 2, 4, 5, 3).reshape(n * oh * ow, kh * kw * c)
    return (cols @ w.reshape(kh * kw * c, out)).reshape(n, oh, ow, out)


def numpy_depthwise_same(x, w):
    kh, kw = w.shape[:2]
    xp = np.pad(x, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))
    out = np.zeros_like(x)
    h, wd = x.shape[1:3]
    for i in range(kh):
        for j in range(kw):
            out += xp[:, i:i + h, j:j + wd, :] * w[i, j, :, 0]
    return out


def numpy_mlp_step(x, labels, w1, b1, w2, b2, lr=0.01):
    h = x @ w1 + b1
    a = np.maximum(h, 0)
    logits = a @ w2 + b2
    logits = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    d = p
    d[np.arange(len(labels)), labels] -= 1
    d /= len(labels)
    gw2, gb2 = a.T @ d, d.sum(0)
    da = (d @ w2.T) * (h > 0)
    gw1, gb1 = x.T @ da, da.sum(0)
    w1 -= lr * gw1
    b1 -= lr * gb1
    w2 -= lr * gw2
    b2 -= lr * gb2


# --- engine workloads ---------------------------------------------------------------
def engine_mlp(batch=32):
    x = tf.constant(RNG.standard_normal((batch, 784)).astype(np.float32))
    labels = tf.constant(RNG.integers(0, 10, batch).astype(np.int32))
    params = [tf.Variable(RNG.standard_normal((784, 128)).astype(np.float32) * 0.05), tf.Variable(np.zeros(128, np.float32)),
              tf.Variable(RNG.standard_normal((128, 10)).astype(np.float32) * 0.05), tf.Variable(np.zeros(10, np.float32))]
    opt = tf.optimizers.SGD(0.01)

    def step():
        with tf.GradientTape() as tape:
            h = tf.nn.relu(tf.matmul(x, params[0]) + params[1])
            logits = tf.matmul(h, params[2]) + params[3]
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))
        opt.apply_gradients(zip(tape.gradient(loss, params), params))
    return step


def engine_cnn(batch=32):
    x = tf.constant(RNG.standard_normal((batch, 32, 32, 3)).astype(np.float32))
    labels = tf.constant(RNG.integers(0, 10, batch).astype(np.int32))
    params = [tf.Variable(RNG.standard_normal((3, 3, 3, 16)).astype(np.float32) * 0.1), tf.Variable(np.zeros(16, np.float32)),
              tf.Variable(RNG.standard_normal((3, 3, 16, 32)).astype(np.float32) * 0.1), tf.Variable(np.zeros(32, np.float32)),
              tf.Variable(RNG.standard_normal((8 * 8 * 32, 10)).astype(np.float32) * 0.02), tf.Variable(np.zeros(10, np.float32))]
    opt = tf.optimizers.SGD(0.01)

    def step():
        with tf.GradientTape() as tape:
            h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, params[0], 1, "SAME"), params[1]))
            h = tf.nn.max_pool2d(h, 2, 2, "VALID")
            h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(h, params[2], 1, "SAME"), params[3]))
            h = tf.nn.max_pool2d(h, 2, 2, "VALID")
            logits = tf.matmul(tf.reshape(h, (batch, -1)), params[4]) + params[5]
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))
        opt.apply_gradients(zip(tape.gradient(loss, params), params))
        return loss
    return step


# --- PyTorch workloads ----------------------------------------------------------------
def torch_mlp(torch, batch=32):
    model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.randn(batch, 784)
    y = torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    return step


def torch_cnn(torch, batch=32, device="cpu"):
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(2048, 10)).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.randn(batch, 3, 32, 32, device=device)
    y = torch.randint(0, 10, (batch,), device=device)

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    return step


def tfjs_results():
    """Run bench/tfjs_ops.js in Node for TF.js's cpu and wasm backends; {} if Node or the package is missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    folder = os.path.join(HERE, "tfjs")
    if not node or not npm:
        return {}
    if not os.path.isdir(os.path.join(folder, "node_modules", "@tensorflow", "tfjs-backend-wasm")):
        done = subprocess.run([npm, "install", "--silent", "--no-audit", "--no-fund", "--prefix", folder,
                               "@tensorflow/tfjs@4.22.0", "@tensorflow/tfjs-backend-wasm@4.22.0"],
                              capture_output=True, text=True)
        if done.returncode != 0:
            print(f"(TF.js not measured: npm install failed: {done.stderr.strip()[:200]})", file=sys.stderr)
            return {}
    done = subprocess.run([node, os.path.join(HERE, "tfjs_ops.js")], capture_output=True, text=True, cwd=folder,
                          env={**os.environ, "NODE_PATH": os.path.join(folder, "node_modules")}, timeout=900)
    if done.returncode != 0:
        print(f"(TF.js not measured: {done.stderr.strip()[:300]})", file=sys.stderr)
        return {}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    torch = _torch()
    if torch is not None:
        torch.set_num_threads(os.cpu_count() or 1)
    tf.set_backend("cpu")
    print(f"Engine cpu backend vs numpy vs PyTorch CPU — {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, numpy {np.__version__}, torch {torch.__version__ if torch else 'not installed'}")
    js = tfjs_results()

    rows = []
    one_a, one_b = tf.constant([1.0]), tf.constant([2.0])
    na, nb = np.array([1.0], np.float32), np.array([2.0], np.float32)
    ours, base = measure(lambda: tf.add(one_a, one_b)), measure(lambda: np.add(na, nb))
    theirs = None
    if torch is not None:
        ta, tb = torch.tensor([1.0]), torch.tensor([2.0])
        theirs = measure(lambda: torch.add(ta, tb))
    rows.append(["add, 1 element (per-op overhead)", format_time(ours), format_time(base), ratio(ours, base),
                 format_time(theirs), ratio(ours, theirs), "—", "—", "< 10 us"])

    for n in (512, 1024):
        a = RNG.standard_normal((n, n)).astype(np.float32)
        b = RNG.standard_normal((n, n)).astype(np.float32)
        ta_, tb_ = tf.constant(a), tf.constant(b)
        ours, base = measure(lambda: tf.matmul(ta_, tb_).numpy()), measure(lambda: a @ b)
        theirs = None
        if torch is not None:
            pa, pb = torch.from_numpy(a), torch.from_numpy(b)
            theirs = measure(lambda: torch.matmul(pa, pb))
        rows.append([f"matmul {n}x{n}", format_time(ours), format_time(base), ratio(ours, base), format_time(theirs),
                     ratio(ours, theirs), format_time(js.get(f"matmul{n}_cpu")), format_time(js.get(f"matmul{n}_wasm")),
                     "<= 1.5x torch" if n == 1024 else ""])

    x = RNG.standard_normal((1, 224, 224, 3)).astype(np.float32)
    w = RNG.standard_normal((3, 3, 3, 32)).astype(np.float32)
    tx, tw = tf.constant(x), tf.constant(w)
    ours = measure(lambda: tf.nn.conv2d(tx, tw, 2, "SAME").numpy())
    base = measure(lambda: numpy_conv2d_same(x, w, 2))
    theirs = None
    if torch is not None:
        px, pw = torch.from_numpy(x.transpose(0, 3, 1, 2).copy()), torch.from_numpy(w.transpose(3, 2, 0, 1).copy())
        theirs = measure(lambda: torch.nn.functional.conv2d(px, pw, stride=2, padding=1))
    rows.append(["conv2d [1,224,224,3]*[3,3,3,32] s2", format_time(ours), format_time(base), ratio(ours, base),
                 format_time(theirs), ratio(ours, theirs), format_time(js.get("conv_cpu")), format_time(js.get("conv_wasm")),
                 "<= 1.5x torch"])

    x = RNG.standard_normal((1, 112, 112, 32)).astype(np.float32)
    w = RNG.standard_normal((3, 3, 32, 1)).astype(np.float32)
    tx, tw = tf.constant(x), tf.constant(w)
    ours = measure(lambda: tf.nn.depthwise_conv2d(tx, tw, [1, 1, 1, 1], "SAME").numpy())
    base = measure(lambda: numpy_depthwise_same(x, w))
    theirs = None
    if torch is not None:
        px, pw = torch.from_numpy(x.transpose(0, 3, 1, 2).copy()), torch.from_numpy(w.transpose(2, 3, 0, 1).copy())
        theirs = measure(lambda: torch.nn.functional.conv2d(px, pw, padding=1, groups=32))
    rows.append(["depthwise [1,112,112,32] 3x3", format_time(ours), format_time(base), ratio(ours, base),
                 format_time(theirs), ratio(ours, theirs), format_time(js.get("depthwise_cpu")),
                 format_time(js.get("depthwise_wasm")), "<= 3x torch"])

    mlp = [RNG.standard_normal((784, 128)).astype(np.float32) * 0.05, np.zeros(128, np.float32),
           RNG.standard_normal((128, 10)).astype(np.float32) * 0.05, np.zeros(10, np.float32)]
    xs = RNG.standard_normal((32, 784)).astype(np.float32)
    ys = RNG.integers(0, 10, 32)
    ours = measure(engine_mlp())
    base = measure(lambda: numpy_mlp_step(xs, ys, *mlp))
    theirs = measure(torch_mlp(torch)) if torch is not None else None
    rows.append(["MLP 784-128-10 train step, batch 32", format_time(ours), format_time(base), ratio(ours, base),
                 format_time(theirs), ratio(ours, theirs), "—", "—", "<= 3x torch"])

    ours = measure(engine_cnn())
    theirs = measure(torch_cnn(torch)) if torch is not None else None
    rows.append(["small CNN 32x32x3 train step, batch 32", format_time(ours), "—", "—", format_time(theirs),
                 ratio(ours, theirs), "—", "—", "<= 3x torch"])

    print_table("cpu backend (ratios: ours / theirs, lower is better)",
                ["workload", "engine cpu", "numpy", "vs numpy", "PyTorch CPU", "vs torch", "TF.js cpu", "TF.js wasm",
                 "target"], rows)


if __name__ == "__main__":
    main()
