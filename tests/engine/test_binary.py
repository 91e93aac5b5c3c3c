import numpy as np
import pytest

import engine as tf
from tests.engine.opcheck import check_grad, check_op

SHAPE_PAIRS = [((3, 4), (3, 4)), ((2, 3, 4), (4,)), ((3, 1), (1, 5)), ((), (2, 3)), ((0, 3), (3,)), ((1,), ())]


@pytest.mark.parametrize("shapes", SHAPE_PAIRS)
@pytest.mark.parametrize("name,ref", [("add", np.add), ("multiply", np.multiply)])
def test_arithmetic_matches_numpy(backend, name, ref, shapes):
    rng = np.random.default_rng(1)
    a, b = (rng.standard_normal(s) for s in shapes)
    check_op(getattr(tf, name), ref, [a, b])
    check_grad(getattr(tf, name), ref, [a, b])


def test_add_int32_and_python_scalar(backend):
    x = tf.constant([1, 2, 3])
    assert (x + 1).dtype == tf.int32
    np.testing.assert_array_equal((x + 1).numpy(), [2, 3, 4])
    assert (tf.constant([1.5]) + 1).dtype == tf.float32


def test_mismatched_dtypes_and_shapes_raise(backend):
    with pytest.raises(tf.errors.DTypeError, match="int32"):
        tf.add(tf.constant([1.0]), tf.constant([1]))
    with pytest.raises(tf.errors.IncompatibleShapesError, match=r"\[2\].*\[3\]"):
        tf.multiply(tf.ones_like(tf.constant([1.0, 2.0])), tf.constant([1.0, 2.0, 3.0]))
