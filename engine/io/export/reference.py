"""Running one graph node with the engine's ops (on the current backend): Graph.evaluate's step."""
import numpy as np


def _engine():
    import engine
    return engine


def _conv(tf, op, x, kernel, bias, attrs):
    convolve = tf.nn.conv2d if op == "conv2d" else tf.nn.depthwise_conv2d
    y = convolve(x, kernel, strides=(1, *attrs["strides"], 1), padding=attrs["padding"],
                 dilations=tuple(attrs["dilations"]))
    return y if bias is None else y + bias


def _pool(tf, op, x, attrs):
    pool = tf.nn.max_pool2d if op == "max_pool2d" else tf.nn.avg_pool2d
    return pool(x, ksize=tuple(attrs["pool_size"]), strides=tuple(attrs["strides"]), padding=attrs["padding"])


def _slice(x, attrs):
    index = []
    for axis, (start, size, step) in enumerate(zip(attrs["begin"], attrs["size"], attrs["steps"])):
        stop = x.shape[axis] if size == -1 else start + size * step
        index.append(slice(start, stop, step))
    return x[tuple(index)]


def run_node(node, inputs):
    """The output array of `node` given its input arrays."""
    tf = _engine()
    op, attrs = node.op, node.attrs
    unary = {"relu": tf.nn.relu, "relu6": tf.nn.relu6, "sigmoid": tf.sigmoid, "tanh": tf.tanh,
             "hard_swish": lambda v: v * tf.nn.relu6(v + 3.0) / 6.0, "exp": tf.exp, "log": tf.math.log,
             "sqrt": tf.sqrt, "square": tf.square, "abs": tf.abs, "neg": tf.negative}
    binary = {"add": tf.add, "sub": tf.subtract, "mul": tf.multiply, "div": tf.divide, "maximum": tf.maximum,
              "minimum": tf.minimum}
    if op in unary:
        result = unary[op](tf.constant(inputs[0]))
    elif op in binary:
        result = binary[op](tf.constant(inputs[0]), tf.constant(inputs[1]))
    elif op == "dense":
        result = tf.tensordot(tf.constant(inputs[0]), tf.constant(inputs[1]), axes=1)
        if len(inputs) > 2:
            result = result + inputs[2]
    elif op in ("conv2d", "depthwise_conv2d"):
        result = _conv(tf, op, tf.constant(inputs[0]), tf.constant(inputs[1]),
                       inputs[2] if len(inputs) > 2 else None, attrs)
    elif op in ("max_pool2d", "avg_pool2d"):
        result = _pool(tf, op, tf.constant(inputs[0]), attrs)
    elif op in ("mean", "max", "sum"):
        reduce = {"mean": tf.reduce_mean, "max": tf.reduce_max, "sum": tf.reduce_sum}[op]
        result = reduce(tf.constant(inputs[0]), axis=list(attrs["axes"]), keepdims=attrs["keepdims"])
    elif op == "leaky_relu":
        result = tf.nn.leaky_relu(tf.constant(inputs[0]), alpha=attrs["alpha"])
    elif op == "softmax":
        result = tf.nn.softmax(tf.constant(inputs[0]), axis=-1)
    elif op == "concat":
        result = tf.concat([tf.constant(value) for value in inputs], axis=attrs["axis"])
    elif op == "reshape":
        result = tf.reshape(tf.constant(inputs[0]), attrs["shape"])
    elif op == "transpose":
        result = tf.transpose(tf.constant(inputs[0]), attrs["perm"])
    elif op == "pad":
        result = tf.pad(tf.constant(inputs[0]), [list(pair) for pair in attrs["paddings"]])
    elif op == "slice":
        return np.ascontiguousarray(_slice(np.asarray(inputs[0]), attrs))
    elif op == "matmul":
        result = tf.matmul(tf.constant(inputs[0]), tf.constant(inputs[1]))
    elif op == "resize_bilinear":
        if not attrs["half_pixel_centers"]:
            raise NotImplementedError("resize_bilinear without half-pixel centres has no engine reference")
        result = tf.image.resize(tf.constant(inputs[0]), attrs["size"], method="bilinear")
    else:
        raise ValueError(f"no reference for graph op {op!r}")
    return np.asarray(result.numpy())
