"""Checks every op test uses: forward against float64 numpy, gradients against central finite differences.

`check_op(engine_fn, reference_fn, inputs)` converts float64 inputs to float32
tensors for the engine and runs `reference_fn` on the float64 arrays.
`check_grad(engine_fn, reference_fn, inputs)` compares the engine's gradient of
sum(f(x) * w) (w random) with central finite differences of the float64
reference.
"""
import numpy as np

import engine as tf


def to_engine(value):
    if isinstance(value, np.ndarray):
        if value.dtype == np.float64:
            return tf.constant(value.astype(np.float32))
        if value.dtype == np.complex128:
            return tf.constant(value.astype(np.complex64))
        return tf.constant(value)
    return value


def _normalize(inputs):
    """numpy scalars (what rng.standard_normal(()) returns) become 0-d arrays."""
    return [np.asarray(v) if isinstance(v, np.generic) else v for v in inputs]


def _engine_inputs(inputs):
    return [to_engine(v) for v in inputs]


def _as_list(result):
    return list(result) if isinstance(result, (list, tuple)) else [result]


def check_op(engine_fn, reference_fn, inputs, rtol=1e-5, atol=1e-6, check_dtype=None):
    """Assert engine_fn(*inputs) matches reference_fn(*inputs) computed in float64."""
    inputs = _normalize(inputs)
    got = _as_list(engine_fn(*_engine_inputs(inputs)))
    want = _as_list(reference_fn(*inputs))
    assert len(got) == len(want), f"{len(got)} outputs, reference has {len(want)}"
    for g, w in zip(got, want):
        assert isinstance(g, tf.Tensor), f"engine returned {type(g).__name__}, not a Tensor"
        w = np.asarray(w)
        assert tuple(g.shape) == w.shape, f"shape {tuple(g.shape)} != reference {w.shape}"
        if check_dtype is not None:
            assert g.dtype == check_dtype, f"dtype {g.dtype} != {check_dtype}"
        got_array = g.numpy()
        if w.dtype.kind in "biu" or got_array.dtype.kind in "biu":
            np.testing.assert_array_equal(got_array, w)
        else:
            np.testing.assert_allclose(got_array, w, rtol=rtol, atol=atol, equal_nan=True)
    return got


def numeric_grads(reference_fn, inputs, weights, wrt, eps=1e-6):
    """Central finite differences of sum(reference_fn(*inputs) * weights) w.r.t. inputs[i] for i in wrt."""
    def loss(args):
        outs = _as_list(reference_fn(*args))
        return sum(float(np.sum(np.real(np.asarray(o, dtype=np.complex128) * np.conj(w)))) for o, w in zip(outs, weights))

    grads = []
    for i in wrt:
        base = np.array(inputs[i], dtype=np.float64)
        g = np.zeros_like(base)
        flat, gflat = base.reshape(-1), g.reshape(-1)
        for k in range(flat.size):
            args = list(inputs)
            plus, minus = flat.copy(), flat.copy()
            plus[k] += eps
            minus[k] -= eps
            args[i] = plus.reshape(base.shape)
            lp = loss(args)
            args[i] = minus.reshape(base.shape)
            lm = loss(args)
            gflat[k] = (lp - lm) / (2 * eps)
        grads.append(g)
    return grads


def check_grad(engine_fn, reference_fn, inputs, wrt=None, rtol=1e-3, atol=1e-3, seed=0, eps=1e-6):
    """Assert the engine's gradients match finite differences of the float64 reference."""
    inputs = _normalize(inputs)
    wrt = [i for i, v in enumerate(inputs) if isinstance(v, np.ndarray) and v.dtype == np.float64] if wrt is None else wrt
    rng = np.random.default_rng(seed)
    reference_out = _as_list(reference_fn(*inputs))
    weights = [rng.standard_normal(np.shape(o)) for o in reference_out]
    tensors = _engine_inputs(inputs)
    with tf.GradientTape() as tape:
        for i in wrt:
            tape.watch(tensors[i])
        outs = _as_list(engine_fn(*tensors))
        loss = None
        for o, w in zip(outs, weights):
            term = tf.reduce_sum(tf.multiply(o, tf.constant(w.astype(np.float32))))
            loss = term if loss is None else tf.add(loss, term)
    got = tape.gradient(loss, [tensors[i] for i in wrt])
    want = numeric_grads(reference_fn, inputs, weights, wrt, eps)
    for index, g, w in zip(wrt, got, want):
        assert g is not None, f"no gradient for input {index}"
        assert tuple(g.shape) == w.shape, f"gradient shape {tuple(g.shape)} != {w.shape} for input {index}"
        np.testing.assert_allclose(g.numpy(), w, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of input {index} differs from finite differences")
