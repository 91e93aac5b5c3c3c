"""The audio extractor (aiSFX) on a 1 s clip: our backends vs PyTorch with the same weights, in one run.

PyTorch runs the network code of the aisfx 0.1.2 wheel itself (aisfx/models/cnn2d.py) with the
wheel's checkpoint; its front end is the same log-mel written in torch ops (aiSFX's own is
Essentia, on the CPU only). Times include reading the (1, 512) embedding back to the CPU.

    pip download --no-deps aisfx==0.1.2 -d /tmp/wheels
    python bench/extractors_audio.py /tmp/wheels/aisfx-0.1.2-py2.py3-none-any.whl \
        [--backends cpu,gl-compute,gl-fragment] [--torch-device cpu|cuda]

`audio_extractor_rows` gives the rows for a larger table (bench/extractors.py).
"""
import argparse
import importlib.util
import io
import os
import sys
import tempfile
import zipfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import engine as tf  # noqa: E402
from bench.common import format_time, measure, print_table, ratio  # noqa: E402
from engine.applications.audio import aisfx, mel_filterbank  # noqa: E402

COLUMNS = ("workload (aiSFX, 1 s at 44.1 kHz)", "backend", "ours", "PyTorch", "ours / PyTorch",
           "max rel. diff")
_CNN_SOURCE = "aisfx/models/cnn2d.py"
_CHECKPOINT = "aisfx/models/checkpoint.pth"


def _torch_embedding_net(torch, wheel_path, device):
    """aiSFX's own EmbeddingNet class, from the wheel's source, with the checkpoint's weights."""
    with zipfile.ZipFile(wheel_path) as wheel, tempfile.TemporaryDirectory() as scratch:
        source_path = os.path.join(scratch, "cnn2d.py")
        with open(source_path, "wb") as handle:
            handle.write(wheel.read(_CNN_SOURCE))
        spec = importlib.util.spec_from_file_location("aisfx_cnn2d", source_path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        checkpoint = wheel.read(_CHECKPOINT)
    # (state_dict, {dataset: (numpy int64, classes)}): the numpy scalars need allowing in weights-only mode.
    allowed = [(np._core.multiarray.scalar, "numpy.core.multiarray.scalar"), np.dtype, type(np.dtype(np.int64))]
    with torch.serialization.safe_globals(allowed):
        state, _datasets = torch.load(io.BytesIO(checkpoint), map_location="cpu", weights_only=True)
    prefix = "embedding_net."
    net = module.EmbeddingNet("max", 3, 1, 64)
    net.load_state_dict({key[len(prefix):]: value for key, value in state.items() if key.startswith(prefix)})
    return net.to(device).eval()


def _torch_front_end(torch, device):
    """Our LogMelSpectrogram's computation in torch ops: (batch, samples) -> normalised (batch, 100, 96) block."""
    layer = aisfx.aisfx_front_end()
    window = torch.hann_window(aisfx.FRAME_LENGTH, periodic=False, dtype=torch.float32, device=device)
    filterbank = torch.from_numpy(mel_filterbank(aisfx.NUM_MEL_BINS, aisfx.FRAME_LENGTH, aisfx.SAMPLE_RATE, 0.0,
                                                 aisfx.SAMPLE_RATE / 2, "unit_sum")).to(device)
    half = aisfx.FRAME_LENGTH // 2

    def front_end(waveform):
        frames = layer.num_frames(waveform.shape[-1])
        after = (frames - 1) * aisfx.FRAME_STEP + aisfx.FRAME_LENGTH - half - waveform.shape[-1]
        padded = torch.nn.functional.pad(waveform, (half, after))
        spectrum = torch.fft.rfft(padded.unfold(-1, aisfx.FRAME_LENGTH, aisfx.FRAME_STEP) * window)
        mel = (spectrum.real ** 2 + spectrum.imag ** 2) @ filterbank
        block = torch.log10(mel * 1e4 + 1.0) / aisfx.SPECTROGRAM_MAX
        return torch.nn.functional.pad(block, (0, 0, 0, max(0, aisfx.BLOCK_FRAMES - frames)))

    return front_end


def _relative_difference(ours, theirs):
    return f"{float(np.max(np.abs(ours - theirs) / np.maximum(np.abs(theirs), 1e-6))):.1e}"


def audio_extractor_rows(wheel_path, backends=("cpu",), torch_device="cpu", min_time=1.0):
    """Table rows (see COLUMNS): the CNN on one 100-frame block, and waveform -> embedding, per backend."""
    import torch

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    sync = torch.cuda.synchronize if torch_device.startswith("cuda") else (lambda: None)
    clip = np.random.default_rng(0).uniform(-0.3, 0.3, (1, aisfx.SAMPLE_RATE)).astype(np.float32)
    torch_net = _torch_embedding_net(torch, wheel_path, torch_device)
    torch_front_end = _torch_front_end(torch, torch_device)
    torch_clip = torch.from_numpy(clip).to(torch_device)
    with torch.no_grad():
        torch_block = torch_front_end(torch_clip)
        block = torch_block.cpu().numpy()
        torch_embedding = torch_net(torch_block).cpu().numpy()

    def run_torch(fn):
        with torch.no_grad():
            result = fn().cpu()
        sync()
        return result

    torch_cnn = measure(lambda: run_torch(lambda: torch_net(torch_block)), min_time=min_time)
    torch_whole = measure(lambda: run_torch(lambda: torch_net(torch_front_end(torch_clip))), min_time=min_time)
    device = f"PyTorch {torch_device}"
    rows = []
    previous = tf.get_backend()
    try:
        for backend in backends:
            tf.set_backend(backend)
            net, model = aisfx.AisfxEmbeddingNet(), aisfx.AisfxEmbedding()
            block_tensor, clip_tensor = tf.constant(block), tf.constant(clip)
            ours_cnn = measure(lambda: net(block_tensor).numpy(), min_time=min_time)
            ours_whole = measure(lambda: model(clip_tensor).numpy(), min_time=min_time)
            rows.append(("CNN, one 100-frame block", backend, format_time(ours_cnn), f"{format_time(torch_cnn)} "
                         f"({device})", ratio(ours_cnn, torch_cnn),
                         _relative_difference(net(block_tensor).numpy(), torch_embedding)))
            rows.append(("waveform -> log-mel -> CNN", backend, format_time(ours_whole), f"{format_time(torch_whole)} "
                         f"({device})", ratio(ours_whole, torch_whole),
                         _relative_difference(model(clip_tensor).numpy(), torch_embedding)))
    finally:
        tf.set_backend(previous)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wheel", help="aisfx-0.1.2-py2.py3-none-any.whl")
    parser.add_argument("--backends", default="cpu", help="comma-separated engine backends (default: cpu)")
    parser.add_argument("--torch-device", default="cpu", help="cpu or cuda (default: cpu)")
    args = parser.parse_args()
    backends = [name.strip() for name in args.backends.split(",") if name.strip()]
    print_table("audio extractor: aiSFX embedding of a 1 s clip", COLUMNS,
                audio_extractor_rows(args.wheel, backends, args.torch_device))


if __name__ == "__main__":
    main()
