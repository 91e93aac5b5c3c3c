"""Convert aiSFX's embedding network from its PyPI wheel into assets/models/aisfx/.

The wheel `aisfx` 0.1.2 (Ma & Lerch, Georgia Tech; its LICENSE file is CC BY 4.0, its
classifiers say MIT) holds a zip-format PyTorch checkpoint of (state_dict, dataset table) for
its CrossNet: the embedding CNN plus one classifier head per training dataset. The checkpoint
is read with the engine's restricted checkpoint reader (no torch, nothing in the pickle runs);
the embedding CNN's tensors are rearranged into the Keras layout of
engine.applications.audio.AisfxEmbeddingNet and written as a TF.js layers model. The heads
("fc.*") are left out. The output is the same bytes on every run.

    pip download --no-deps aisfx==0.1.2 -d /tmp/wheels
    python packaging/convert_aisfx.py /tmp/wheels/aisfx-0.1.2-py2.py3-none-any.whl

`--float16` writes half-precision weights (for measuring what they cost); `--out` another folder.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import engine as tf  # noqa: E402
from engine.applications.audio.aisfx import WEIGHTS_NAME, AisfxEmbeddingNet  # noqa: E402
from engine.applications.checkpoint import load_checkpoint  # noqa: E402
from engine.applications.weights import MODELS_DIR  # noqa: E402
from engine.io.weight_names import keras2_layer_weights  # noqa: E402
from wheel_conversion import BATCH_NORM, publish, read_wheel, unused_tensors, write_model  # noqa: E402

CHECKPOINT = "aisfx/models/checkpoint.pth"
LICENSE = "aisfx-0.1.2.dist-info/licenses/LICENSE"
# The wheel's RECORD entry for the checkpoint (urlsafe base64 sha256, unpadded).
CHECKPOINT_SHA256 = "SZ6nWQnJMqL5TDX6ci-k-rxby36EkXIJzF90AmJ7frU"
SHARD_SIZE_BYTES = 64 * 1024 * 1024
TORCH_PREFIX = "embedding_net."
HEADS_PREFIX = "fc."


def keras_value(variable_name, state, torch_path):
    """The Keras-layout array of one variable, from the PyTorch state dict."""
    if variable_name in BATCH_NORM:
        return state[f"{torch_path}.{BATCH_NORM[variable_name]}"]
    # Conv (O, I, kh, kw) -> (kh, kw, I, O).
    return state[f"{torch_path}.weight"].transpose(2, 3, 1, 0)


def torch_path_of(layer_name):
    """"conv_block2_bn1" -> "embedding_net.conv_block2.bn1"."""
    block, part = layer_name.rsplit("_", 1)
    return f"{TORCH_PREFIX}{block}.{part}"




def convert(wheel_path, out_dir, quantize):
    checkpoint, license_text = read_wheel(wheel_path, CHECKPOINT, LICENSE, CHECKPOINT_SHA256, "0.1.2")
    state, _datasets = load_checkpoint(checkpoint)
    tf.set_backend("cpu")
    model = AisfxEmbeddingNet(weights=None)
    used = set()
    for layer, named in keras2_layer_weights(model):
        torch_path = torch_path_of(layer.name)
        for name, variable in named:
            variable.assign(keras_value(name.split("/", 1)[1], state, torch_path).astype("float32"))
        used.add(torch_path)
    left_over = unused_tensors(state, used, ignored_prefixes=(HEADS_PREFIX,))
    if left_over:
        raise SystemExit(f"checkpoint tensors with no Keras layer: {left_over}")
    return write_model(model, out_dir, license_text, quantize, SHARD_SIZE_BYTES)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wheel", help="aisfx-0.1.2-py2.py3-none-any.whl")
    parser.add_argument("--out", default=os.path.join(MODELS_DIR, WEIGHTS_NAME))
    parser.add_argument("--float16", action="store_true", help="store float16 weights (default: float32)")
    args = parser.parse_args()
    publish(lambda folder: convert(args.wheel, folder, "float16" if args.float16 else None), args.out)


if __name__ == "__main__":
    main()
