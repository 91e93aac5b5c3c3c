"""Gradient check for layers: the tape's gradients of sum(layer(x) * w) (w random) with respect to the
input and every trainable weight, against central finite differences of a float64 numpy reference
`reference(x, *trainable_weights)`."""
import numpy as np

import engine as tf
from tests.engine.opcheck import numeric_grads


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def check_layer_gradients(layer, reference, x, rtol=2e-3, atol=2e-4, seed=0, **call_kwargs):
    """`layer` must be built; `x` is a float64 array; extra keyword arguments go to the layer call."""
    weights = [w.numpy().astype(np.float64) for w in layer.trainable_weights]
    rng = np.random.default_rng(seed)
    output_weights = [rng.standard_normal(np.shape(o)) for o in _as_list(reference(x, *weights))]
    x_tensor = tf.constant(x.astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x_tensor)
        outputs = _as_list(layer(x_tensor, **call_kwargs))
        loss = sum(tf.reduce_sum(o * tf.constant(w.astype(np.float32))) for o, w in zip(outputs, output_weights))
    got = tape.gradient(loss, [x_tensor] + list(layer.trainable_weights))
    want = numeric_grads(reference, [x] + weights, output_weights, wrt=range(1 + len(weights)))
    names = ["input"] + [w.name for w in layer.trainable_weights]
    for name, g, w in zip(names, got, want):
        assert g is not None, f"no gradient for {name}"
        np.testing.assert_allclose(g.numpy(), w, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of {name} differs from finite differences")
