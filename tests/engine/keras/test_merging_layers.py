"""Merge layers (Add ... Minimum, Concatenate, Dot) against numpy, with Keras's shape checks and configs."""
import numpy as np
import pytest

import engine as tf
from engine.errors import IncompatibleShapesError, InvalidArgumentError
from tests.engine.opcheck import check_grad

L = tf.keras.layers

ELEMENTWISE = [
    (L.Add, lambda xs: sum(xs)),
    (L.Multiply, lambda xs: np.prod(xs, axis=0)),
    (L.Average, lambda xs: np.mean(xs, axis=0)),
    (L.Maximum, lambda xs: np.max(xs, axis=0)),
    (L.Minimum, lambda xs: np.min(xs, axis=0)),
]


def tensors(seed, *shapes):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) for shape in shapes]


@pytest.mark.parametrize("layer_class,reference", ELEMENTWISE)
def test_elementwise_merges_of_three_inputs(backend, layer_class, reference):
    xs = tensors(0, (2, 3), (2, 3), (2, 3))
    got = layer_class()([x.astype(np.float32) for x in xs])
    np.testing.assert_allclose(got.numpy(), reference(np.stack(xs)), rtol=1e-5, atol=1e-6)


def test_subtract_takes_exactly_two_inputs(backend):
    a, b = tensors(1, (2, 4), (2, 4))
    np.testing.assert_allclose(L.Subtract()([a.astype(np.float32), b.astype(np.float32)]).numpy(), a - b,
                               rtol=1e-6, atol=1e-6)
    with pytest.raises(InvalidArgumentError, match="exactly 2"):
        L.Subtract()([a.astype(np.float32)] * 3)


def test_lower_rank_inputs_get_unit_axes_after_the_batch_axis():
    a, b = tensors(2, (2, 3, 4), (2, 4))
    got = L.Add()([a.astype(np.float32), b.astype(np.float32)])
    np.testing.assert_allclose(got.numpy(), a + b[:, None, :], rtol=1e-6, atol=1e-6)
    assert L.Add().compute_output_shape([(None, 3, 4), (None, 4)]) == (None, 3, 4)
    assert L.Maximum().compute_output_shape([(5, 1, 4), (5, 3, 1)]) == (5, 3, 4)


def test_merge_shape_errors():
    with pytest.raises(IncompatibleShapesError, match="incompatible shapes"):
        L.Add().build([(None, 3), (None, 4)])
    with pytest.raises(IncompatibleShapesError, match="batch sizes"):
        L.Add().build([(2, 3), (5, 3)])
    with pytest.raises(InvalidArgumentError, match="list"):
        L.Add()(np.zeros((2, 3), np.float32))


def test_merge_gradients_match_finite_differences(backend):
    check_grad(lambda a, b: L.Maximum()([a, b * 2.0]) + L.Multiply()([a, b]),
               lambda a, b: np.maximum(a, b * 2.0) + a * b, tensors(3, (2, 3), (2, 3)))


def test_concatenate_along_an_axis(backend):
    a, b = tensors(4, (2, 3, 1), (2, 3, 2))
    got = L.Concatenate()([a.astype(np.float32), b.astype(np.float32)])
    np.testing.assert_allclose(got.numpy(), np.concatenate([a, b], axis=-1), rtol=1e-6, atol=1e-6)
    c, d = tensors(5, (2, 1, 4), (2, 3, 4))
    got = L.Concatenate(axis=1)([c.astype(np.float32), d.astype(np.float32)])
    np.testing.assert_allclose(got.numpy(), np.concatenate([c, d], axis=1), rtol=1e-6, atol=1e-6)
    assert L.Concatenate(axis=1).compute_output_shape([(None, 1, 4), (None, 3, 4)]) == (None, 4, 4)
    assert L.Concatenate().compute_output_shape([(None, 2), (None, None)]) == (None, None)


def test_concatenate_errors_and_config():
    with pytest.raises(IncompatibleShapesError, match="matching shapes except"):
        L.Concatenate(axis=1).build([(None, 2, 3), (None, 2, 4)])
    with pytest.raises(IncompatibleShapesError, match="one rank"):
        L.Concatenate().build([(None, 2, 3), (None, 3)])
    config = L.Concatenate(axis=2).get_config()
    assert list(config) == ["name", "trainable", "dtype", "axis"] and config["axis"] == 2
    assert L.Concatenate.from_config(config).axis == 2


def batch_dot_reference(x1, x2, axis1, axis2):
    """Per-sample tensordot over the two axes; Keras gives rank-1 results a trailing unit axis."""
    result = np.stack([np.tensordot(a, b, axes=(axis1 - 1, axis2 - 1)) for a, b in zip(x1, x2)])
    return result.reshape(len(x1), 1) if result.ndim == 1 else result


@pytest.mark.parametrize("axes,shapes", [(1, ((2, 3), (2, 3))), (-1, ((2, 4, 3), (2, 5, 3))),
                                         ((1, 2), ((2, 3, 4), (2, 5, 3))), ((2, 1), ((2, 3, 4), (2, 4))),
                                         ((1, 1), ((2, 3), (2, 3, 2)))])
def test_dot_contracts_the_given_axes(backend, axes, shapes):
    x1, x2 = tensors(6, *shapes)
    layer = L.Dot(axes=axes)
    got = layer([x1.astype(np.float32), x2.astype(np.float32)])
    pair = (axes, axes) if isinstance(axes, int) else axes
    want = batch_dot_reference(x1, x2, pair[0] % x1.ndim, pair[1] % x2.ndim)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)
    assert layer.compute_output_shape([(None,) + s[1:] for s in shapes]) == (None,) + want.shape[1:]


def test_dot_normalize_gives_cosine_similarity(backend):
    x1, x2 = tensors(7, (3, 4), (3, 4))
    got = L.Dot(axes=1, normalize=True)([x1.astype(np.float32), x2.astype(np.float32)])
    cosine = (x1 * x2).sum(axis=1) / np.linalg.norm(x1, axis=1) / np.linalg.norm(x2, axis=1)
    np.testing.assert_allclose(got.numpy(), cosine[:, None], rtol=1e-5, atol=1e-6)


def test_dot_gradients_match_finite_differences(backend):
    def reference(x1, x2, normalize):
        if normalize:
            x1 = x1 / np.linalg.norm(x1, axis=2, keepdims=True)
            x2 = x2 / np.linalg.norm(x2, axis=1, keepdims=True)
        return batch_dot_reference(x1, x2, 2, 1)

    for normalize in (False, True):
        check_grad(lambda a, b: L.Dot(axes=(2, 1), normalize=normalize)([a, b]),
                   lambda a, b: reference(a, b, normalize), tensors(8, (2, 2, 3), (2, 3, 2)))


def test_dot_errors_and_config():
    with pytest.raises(IncompatibleShapesError, match="incompatible input shapes"):
        L.Dot(axes=1).build([(None, 3), (None, 4)])
    with pytest.raises(InvalidArgumentError, match="batch axis"):
        L.Dot(axes=0).build([(None, 3), (None, 3)])
    with pytest.raises(InvalidArgumentError, match="list of 2"):
        L.Dot(axes=1).build([(None, 3)] * 3)
    with pytest.raises(InvalidArgumentError, match="pair of ints"):
        L.Dot(axes=(1, 2, 3))
    config = L.Dot(axes=(1, 2), normalize=True).get_config()
    assert list(config) == ["name", "trainable", "dtype", "axes", "normalize"]
    assert L.Dot.from_config(config).get_config() == config
    assert list(L.Add().get_config()) == ["name", "trainable", "dtype"]


def test_functional_forms_build_the_layers():
    a, b = [x.astype(np.float32) for x in tensors(9, (2, 3), (2, 3))]
    np.testing.assert_allclose(L.add([a, b]).numpy(), a + b, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(L.subtract([a, b]).numpy(), a - b, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(L.concatenate([a, b], axis=0).numpy(), np.concatenate([a, b]), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(L.dot([a, b], axes=1).numpy(), (a * b).sum(axis=1, keepdims=True), rtol=1e-5)


def test_merges_in_a_functional_model():
    first, second = tf.keras.Input(shape=(3,)), tf.keras.Input(shape=(3,))
    merged = L.Concatenate()([L.Add()([first, second]), L.Dot(axes=1)([first, second])])
    assert merged.shape == (None, 4)
    model = tf.keras.Model([first, second], merged)
    a, b = [x.astype(np.float32) for x in tensors(10, (2, 3), (2, 3))]
    np.testing.assert_allclose(np.asarray(model([a, b])),
                               np.concatenate([a + b, (a * b).sum(axis=1, keepdims=True)], axis=1), rtol=1e-5)
