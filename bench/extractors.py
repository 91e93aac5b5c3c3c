"""Pretrained extractors: our backends vs PyTorch with the same weights, in one run.

EfficientNet-Lite0 forward (224x224, ImageNet head) at batch 1 and 32: the cpu backend against
PyTorch CPU; with a CUDA GPU, also each GL backend against PyTorch CUDA (fp32, TF32 off). GL
backends named without CUDA (Mesa's llvmpipe: information only) are compared with PyTorch CPU. GL
backends get a second row for the model called through tf.function (recorded dispatches replayed). The
PyTorch network is written here in torch.nn.functional ops (TF "same" padding, as the original)
and takes the shipped float16 weights, so both sides compute with identical values; the last
column is the largest difference of the logits, relative to their largest magnitude. Times
include reading the outputs back to the CPU. With `--aisfx-wheel`, the audio extractor's rows
(bench/extractors_audio.py) join the table.

    python bench/extractors.py [--backends cpu,gl-compute,gl-fragment] [--batches 1,32] \
        [--aisfx-wheel /tmp/wheels/aisfx-0.1.2-py2.py3-none-any.whl]

Ratios are ours / PyTorch: lower is better. Needs torch (`pip install torch==2.13.0`, bench only).
On a machine whose cores are busy with other work, BLAS and OpenMP thread pools stall each other
(numpy's matmuls there ran 10x slower with 2 threads than with 1): compare single-threaded with
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1.
"""
import argparse
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import engine as tf  # noqa: E402
from bench.common import format_time, measure, print_table, ratio  # noqa: E402
from engine.applications import efficientnet_lite  # noqa: E402
from engine.applications.weights import read_shipped_weights  # noqa: E402

COLUMNS = ("workload", "backend", "ours", "PyTorch", "ours / PyTorch", "max rel. diff")
GL_BACKENDS = ("gl-compute", "gl-fragment")


def _torch():
    # PyTorch's OpenMP workers otherwise spin after each call and steal cores from what is measured next.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import torch
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    return torch


def torch_efficientnet_lite0(torch, device):
    """logits = net(x) for NCHW float32 input, EfficientNet-Lite0 in torch ops with the shipped weights."""
    functional = torch.nn.functional
    arrays = read_shipped_weights(efficientnet_lite.WEIGHTS_NAME)
    uploaded = {}

    def tensor(name, axes=None):
        """The weight on `device`, axes rearranged; uploaded on first use (the warm-up call), not in timed ones."""
        if (name, axes) not in uploaded:
            value = arrays[name] if axes is None else arrays[name].transpose(axes)
            uploaded[name, axes] = torch.from_numpy(np.ascontiguousarray(value)).to(device)
        return uploaded[name, axes]

    def conv(x, layer, stride=1, depthwise=False):
        if depthwise:  # (kh, kw, C, 1) -> (C, 1, kh, kw)
            kernel = tensor(f"{layer}/depthwise_kernel", (2, 3, 0, 1))
        else:  # (kh, kw, I, O) -> (O, I, kh, kw)
            kernel = tensor(f"{layer}/kernel", (3, 2, 0, 1))
        size = kernel.shape[-1]
        pads = []
        for length in reversed(x.shape[-2:]):  # F.pad lists the last axis first
            total = max((math.ceil(length / stride) - 1) * stride + size - length, 0)
            pads += [total // 2, total - total // 2]
        return functional.conv2d(functional.pad(x, pads), kernel, stride=stride,
                                 groups=kernel.shape[0] if depthwise else 1)

    def batch_norm(x, layer):
        return functional.batch_norm(x, tensor(f"{layer}/moving_mean"), tensor(f"{layer}/moving_variance"),
                                     tensor(f"{layer}/gamma"), tensor(f"{layer}/beta"), False, 0.0, 1e-3)

    def net(x):
        x = functional.relu6(batch_norm(conv(x, "stem_conv", 2), "stem_bn"))
        for stage, (_, repeats, filters_in, filters_out, expand, stride) in enumerate(efficientnet_lite.STAGES):
            for repeat in range(repeats):
                prefix = f"block{stage + 1}{chr(ord('a') + repeat)}_"
                inputs = x
                if expand != 1:
                    x = functional.relu6(batch_norm(conv(x, prefix + "expand_conv"), prefix + "expand_bn"))
                x = functional.relu6(batch_norm(conv(x, prefix + "dwconv", stride if repeat == 0 else 1, True),
                                                prefix + "bn"))
                x = batch_norm(conv(x, prefix + "project_conv"), prefix + "project_bn")
                if repeat > 0 or (stride == 1 and filters_in == filters_out):
                    x = x + inputs
        x = functional.relu6(batch_norm(conv(x, "top_conv"), "top_bn"))
        return functional.linear(x.mean((2, 3)), tensor("predictions/kernel", (1, 0)), tensor("predictions/bias"))

    return net


def reference_device(torch, backend):
    return "cuda" if backend != "cpu" and torch.cuda.is_available() else "cpu"


def efficientnet_lite0_rows(torch, backends, batches, min_time):
    """Rows (see COLUMNS): EfficientNet-Lite0 logits for `batches` images, cpu vs PyTorch CPU, GL vs CUDA."""
    images = np.random.default_rng(0).uniform(0, 255, (max(batches), 224, 224, 3)).astype(np.float32)
    inputs = efficientnet_lite.preprocess_input(images)
    rows = []
    previous = tf.get_backend()
    try:
        for backend in backends:
            device = reference_device(torch, backend)
            sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
            torch_net = torch_efficientnet_lite0(torch, device)
            tf.set_backend(backend)
            model = efficientnet_lite.EfficientNetLite0(classifier_activation=None)
            for batch in batches:
                torch_input = torch.from_numpy(inputs[:batch].transpose(0, 3, 1, 2).copy()).to(device)
                ours_input = tf.constant(inputs[:batch])

                def run_torch():
                    with torch.no_grad():
                        result = torch_net(torch_input).cpu()
                    sync()
                    return result

                # A batch of 32 takes seconds on the cpu backend: fewer, longer samples.
                repeats, warmup = (3, 1) if batch > 8 else (5, 2)
                theirs = measure(run_torch, min_time=min_time, repeats=repeats, warmup=warmup)
                ours = measure(lambda: model(ours_input).numpy(), min_time=min_time, repeats=repeats, warmup=warmup)
                reference = run_torch().numpy()
                difference = np.max(np.abs(model(ours_input).numpy() - reference)) / np.max(np.abs(reference))
                rows.append((f"EfficientNet-Lite0, batch {batch} (per image {format_time(ours / batch)})", backend,
                             format_time(ours), f"{format_time(theirs)} (PyTorch {device})", ratio(ours, theirs),
                             f"{difference:.1e}"))
                if backend != "cpu":     # the cpu backend has no dispatch queue for tf.function to replay
                    fast = tf.function(model)
                    traced = measure(lambda: fast(ours_input).numpy(), min_time=min_time, repeats=repeats,
                                     warmup=warmup)
                    difference = np.max(np.abs(fast(ours_input).numpy() - reference)) / np.max(np.abs(reference))
                    rows.append((f"EfficientNet-Lite0, batch {batch} (per image {format_time(traced / batch)})",
                                 f"{backend}, tf.function ({fast.dispatch_count(ours_input)} dispatches)",
                                 format_time(traced),
                                 f"{format_time(theirs)} (PyTorch {device})", ratio(traced, theirs),
                                 f"{difference:.1e}"))
    finally:
        tf.set_backend(previous)
    return rows


def audio_rows(torch, wheel, backends, min_time):
    """The aiSFX rows of bench/extractors_audio.py, each backend against its reference device."""
    from bench.extractors_audio import audio_extractor_rows
    rows = []
    for device in ("cpu", "cuda"):
        chosen = [backend for backend in backends if reference_device(torch, backend) == device]
        if chosen:
            rows += audio_extractor_rows(wheel, chosen, device, min_time)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default=None,
                        help="comma-separated (default: cpu, plus the GL backends when CUDA is there to compare)")
    parser.add_argument("--batches", default="1,32")
    parser.add_argument("--aisfx-wheel", default=None, help="aisfx-0.1.2-py2.py3-none-any.whl, for the audio rows")
    parser.add_argument("--min-time", type=float, default=1.0, help="seconds of timing per measurement")
    args = parser.parse_args()
    torch = _torch()
    if args.backends:
        backends = [name.strip() for name in args.backends.split(",") if name.strip()]
    else:
        backends = ["cpu", *(GL_BACKENDS if torch.cuda.is_available() else ())]
    gl_info = next((info for name, info in tf.backends().items() if name.startswith("gl") and info["available"]),
                   None)
    print(f"engine backends {', '.join(backends)}; GL renderer: {gl_info['renderer'] if gl_info else 'none'}; "
          f"PyTorch {torch.__version__}" + (f" CUDA {torch.cuda.get_device_name()}" if torch.cuda.is_available()
                                             else " CPU"))
    batches = [int(batch) for batch in args.batches.split(",")]
    rows = efficientnet_lite0_rows(torch, backends, batches, args.min_time)
    if args.aisfx_wheel:
        rows += audio_rows(torch, args.aisfx_wheel, backends, args.min_time)
    print_table("pretrained extractors (ours / PyTorch: lower is better)", COLUMNS, rows)


if __name__ == "__main__":
    main()
