"""Layers that merge a list of tensors: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot."""
import engine as tf

from ...errors import IncompatibleShapesError, InvalidArgumentError
from ..layer import Layer

__all__ = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
           "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot"]


def _is_shape_list(shapes):
    """A list of shapes (what build gets for a list of inputs), as opposed to one shape."""
    return isinstance(shapes, (list, tuple)) and len(shapes) > 0 and all(
        isinstance(shape, (list, tuple)) or hasattr(shape, "as_list") for shape in shapes)


def _shape_list(shapes, layer, minimum=1):
    if not _is_shape_list(shapes):
        raise InvalidArgumentError(f"{layer.name}: a merge layer must be called on a list of tensors, "
                                   f"got input shape {shapes!r}")
    if len(shapes) < minimum:
        raise InvalidArgumentError(f"{layer.name}: needs at least {minimum} inputs, got {len(shapes)}")
    return [tuple(s) for s in shapes]


def _check_batch_sizes(shapes, layer):
    batch_sizes = {s[0] for s in shapes if s} - {None}
    if len(batch_sizes) > 1:
        raise IncompatibleShapesError(f"{layer.name}: cannot merge tensors with different batch sizes; "
                                      f"got shapes {shapes}")


class _Merge(Layer):
    """Elementwise merge of a list of tensors that broadcast against each other (Keras's `Merge`)."""

    _minimum_inputs = 1

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _broadcast_shape(self, shape1, shape2):
        """Keras's elementwise output shape (the batch axis excluded); None is unknown."""
        if len(shape1) < len(shape2):
            shape1, shape2 = shape2, shape1
        if not shape2:
            return tuple(shape1)
        result = list(shape1[:len(shape1) - len(shape2)])
        for a, b in zip(shape1[len(shape1) - len(shape2):], shape2):
            if a is None or b is None:
                result.append(None)
            elif a == 1 or b == 1 or a == b:
                result.append(b if a == 1 else a)
            else:
                raise IncompatibleShapesError(f"{self.name}: inputs have incompatible shapes {tuple(shape1)} "
                                              f"and {tuple(shape2)}")
        return tuple(result)

    def _check_shapes(self, shapes):
        shapes = _shape_list(shapes, self, self._minimum_inputs)
        _check_batch_sizes(shapes, self)
        output = shapes[0][1:]
        for shape in shapes[1:]:
            output = self._broadcast_shape(output, shape[1:])
        return shapes, output

    def build(self, input_shape):
        self._check_shapes(input_shape)

    def compute_output_shape(self, input_shape):
        shapes, output = self._check_shapes(input_shape)
        batch_sizes = {s[0] for s in shapes} - {None}
        return (batch_sizes.pop() if len(batch_sizes) == 1 else None,) + output

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise InvalidArgumentError(f"{self.name}: a merge layer must be called on a list of tensors, "
                                       f"got {type(inputs).__name__}")
        tensors = [tf.convert_to_tensor(x) for x in inputs]
        rank = max(x.ndim for x in tensors)
        # Keras inserts unit axes after the batch axis of lower-rank inputs before broadcasting.
        tensors = [tf.reshape(x, x.shape[:1] + (1,) * (rank - x.ndim) + tuple(x.shape[1:])) if x.ndim < rank
                   else x for x in tensors]
        return self._merge(tensors)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)) or len(mask) != len(inputs):
            raise InvalidArgumentError(f"{self.name}: the masks must be a list as long as the inputs")
        if any(m is None for m in mask):
            return None
        merged = mask[0]
        for m in mask[1:]:
            merged = tf.logical_or(merged, m)
        return merged


def _fold(function, tensors):
    result = tensors[0]
    for x in tensors[1:]:
        result = function(result, x)
    return result


class Add(_Merge):
    """Sum of the inputs."""

    def _merge(self, tensors):
        return _fold(tf.add, tensors)


class Subtract(_Merge):
    """First input minus the second (exactly two inputs)."""

    _minimum_inputs = 2

    def _check_shapes(self, shapes):
        if isinstance(shapes, (list, tuple)) and len(shapes) != 2:
            raise InvalidArgumentError(f"{self.name}: Subtract takes exactly 2 inputs, got {len(shapes)}")
        return super()._check_shapes(shapes)

    def _merge(self, tensors):
        if len(tensors) != 2:
            raise InvalidArgumentError(f"{self.name}: Subtract takes exactly 2 inputs, got {len(tensors)}")
        return tf.subtract(tensors[0], tensors[1])


class Multiply(_Merge):
    """Elementwise product of the inputs."""

    def _merge(self, tensors):
        return _fold(tf.multiply, tensors)


class Average(_Merge):
    """Elementwise mean of the inputs."""

    def _merge(self, tensors):
        return _fold(tf.add, tensors) / float(len(tensors))


class Maximum(_Merge):
    """Elementwise maximum of the inputs."""

    def _merge(self, tensors):
        return _fold(tf.maximum, tensors)


class Minimum(_Merge):
    """Elementwise minimum of the inputs."""

    def _merge(self, tensors):
        return _fold(tf.minimum, tensors)


class Concatenate(Layer):
    """Concatenation of the inputs along `axis`; every other axis must match."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True

    def _check_shapes(self, input_shape):
        shapes = _shape_list(input_shape, self)
        ranks = {len(s) for s in shapes}
        if len(ranks) != 1:
            raise IncompatibleShapesError(f"{self.name}: Concatenate needs inputs of one rank; got shapes {shapes}")
        rank = ranks.pop()
        if not -rank <= self.axis < rank:
            raise InvalidArgumentError(f"{self.name}: axis {self.axis} is out of range for inputs of rank {rank}")
        axis = self.axis % rank
        for dim in range(rank):
            sizes = {s[dim] for s in shapes} - {None}
            if dim != axis and len(sizes) > 1:
                raise IncompatibleShapesError(
                    f"{self.name}: Concatenate needs inputs with matching shapes except along the "
                    f"concatenation axis {self.axis}; got shapes {shapes}")
        return shapes, axis

    def build(self, input_shape):
        self._check_shapes(input_shape)

    def compute_output_shape(self, input_shape):
        shapes, axis = self._check_shapes(input_shape)
        output = list(shapes[0])
        sizes = [s[axis] for s in shapes]
        output[axis] = None if None in sizes else sum(sizes)
        for dim in range(len(output)):
            if dim != axis and output[dim] is None:
                output[dim] = next((s[dim] for s in shapes if s[dim] is not None), None)
        return tuple(output)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise InvalidArgumentError(f"{self.name}: Concatenate must be called on a list of tensors, "
                                       f"got {type(inputs).__name__}")
        return tf.concat(list(inputs), axis=self.axis)

    def compute_mask(self, inputs, mask=None):
        if mask is None or all(m is None for m in mask):
            return None
        masks = []
        for x, m in zip(inputs, mask):
            if m is None:
                masks.append(tf.ones(x.shape, dtype=tf.bool))
            elif m.ndim < x.ndim:
                masks.append(tf.broadcast_to(tf.expand_dims(m, -1), x.shape))
            else:
                masks.append(m)
        return tf.reduce_any(tf.concat(masks, axis=self.axis), axis=-1)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Dot(Layer):
    """Batched dot product of two inputs along `axes` (an int or a pair), optionally of L2-normalized inputs."""

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)) or len(axes) != 2 or not all(isinstance(a, int) for a in axes):
                raise InvalidArgumentError(f"Dot: axes must be an int or a pair of ints, got {axes!r}")
        self.axes = axes
        self.normalize = normalize
        self.supports_masking = True

    def _positive_axes(self, rank1, rank2):
        pair = (self.axes, self.axes) if isinstance(self.axes, int) else tuple(self.axes)
        for axis, rank in zip(pair, (rank1, rank2)):
            if not -rank <= axis < rank:
                raise InvalidArgumentError(f"{self.name}: axes {self.axes} are out of range for inputs of "
                                           f"ranks {rank1} and {rank2}")
        axes = (pair[0] % rank1, pair[1] % rank2)
        if 0 in axes:
            raise InvalidArgumentError(f"{self.name}: cannot take a dot product over the batch axis 0 "
                                       f"(axes {self.axes})")
        return axes

    def _check_shapes(self, input_shape):
        if not _is_shape_list(input_shape) or len(input_shape) != 2:
            raise InvalidArgumentError(f"{self.name}: Dot must be called on a list of 2 inputs, "
                                       f"got input shape {input_shape!r}")
        shape1, shape2 = (tuple(s) for s in input_shape)
        if len(shape1) < 2 or len(shape2) < 2:
            raise InvalidArgumentError(f"{self.name}: Dot needs inputs of rank >= 2, got shapes {shape1} and {shape2}")
        _check_batch_sizes([shape1, shape2], self)
        axis1, axis2 = self._positive_axes(len(shape1), len(shape2))
        if None not in (shape1[axis1], shape2[axis2]) and shape1[axis1] != shape2[axis2]:
            raise IncompatibleShapesError(
                f"{self.name}: incompatible input shapes: {shape1[axis1]} (axis {axis1}) != {shape2[axis2]} "
                f"(axis {axis2}); full shapes {shape1} and {shape2}")
        return shape1, shape2, axis1, axis2

    def build(self, input_shape):
        self._check_shapes(input_shape)

    def compute_output_shape(self, input_shape):
        shape1, shape2, axis1, axis2 = self._check_shapes(input_shape)
        output = [d for i, d in enumerate(shape1) if i != axis1] + [d for i, d in enumerate(shape2)
                                                                     if i not in (0, axis2)]
        return tuple(output + [1] if len(output) == 1 else output)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise InvalidArgumentError(f"{self.name}: Dot must be called on a list of exactly 2 tensors")
        x1, x2 = (tf.convert_to_tensor(x) for x in inputs)
        _, _, axis1, axis2 = self._check_shapes([x1.shape, x2.shape])
        if self.normalize:
            x1 = tf.math.l2_normalize(x1, axis=axis1)
            x2 = tf.math.l2_normalize(x2, axis=axis2)
        return _batch_dot(x1, x2, axis1, axis2)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def _batch_dot(x1, x2, axis1, axis2):
    """Per-sample contraction of x1's axis1 with x2's axis2: output [batch, x1's other axes, x2's other axes].

    Rank-2 results get a trailing unit axis, as Keras's batch_dot gives them.
    """
    batch = x1.shape[0]
    rest1 = [d for d in range(1, x1.ndim) if d != axis1]
    rest2 = [d for d in range(1, x2.ndim) if d != axis2]
    left = tf.transpose(x1, [0] + rest1 + [axis1])
    right = tf.transpose(x2, [0, axis2] + rest2)
    left_shape = [x1.shape[d] for d in rest1]
    right_shape = [x2.shape[d] for d in rest2]
    size = x1.shape[axis1]
    product = tf.matmul(tf.reshape(left, [batch, -1, size]), tf.reshape(right, [batch, size, -1]))
    output_shape = [batch] + left_shape + right_shape
    return tf.reshape(product, output_shape if len(output_shape) > 1 else [batch, 1])


def _functional(layer_class):
    def merge(inputs, **kwargs):
        return layer_class(**kwargs)(inputs)
    merge.__name__ = layer_class.__name__.lower()
    merge.__doc__ = f"`{layer_class.__name__}(**kwargs)(inputs)` (Keras's functional form)."
    return merge


add = _functional(Add)
subtract = _functional(Subtract)
multiply = _functional(Multiply)
average = _functional(Average)
maximum = _functional(Maximum)
minimum = _functional(Minimum)


def concatenate(inputs, axis=-1, **kwargs):
    """`Concatenate(axis, **kwargs)(inputs)` (Keras's functional form)."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, **kwargs):
    """`Dot(axes, **kwargs)(inputs)` (Keras's functional form)."""
    return Dot(axes=axes, **kwargs)(inputs)
