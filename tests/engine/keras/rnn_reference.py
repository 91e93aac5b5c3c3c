"""Float64 numpy references of Keras's recurrent layers: explicit time loops with Keras's gate equations.

Weights use Keras's layouts: kernel [features, gates * units], recurrent_kernel [units, gates * units];
gate order LSTM i, f, c, o and GRU z, r, h; GRU's reset_after bias is [2, 3 * units] (input, recurrent).
"""
import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def simple_rnn_step(x, states, kernel, recurrent_kernel, bias=None):
    z = x @ kernel + states[0] @ recurrent_kernel
    h = np.tanh(z if bias is None else z + bias)
    return h, [h]


def lstm_step(x, states, kernel, recurrent_kernel, bias=None):
    h, c = states
    z = x @ kernel + h @ recurrent_kernel + (0 if bias is None else bias)
    z_i, z_f, z_c, z_o = np.split(z, 4, axis=-1)
    c = sigmoid(z_f) * c + sigmoid(z_i) * np.tanh(z_c)
    h = sigmoid(z_o) * np.tanh(c)
    return h, [h, c]


def gru_step(x, states, kernel, recurrent_kernel, bias=None, reset_after=True):
    (h,) = states
    units = h.shape[-1]
    if reset_after:
        input_bias, recurrent_bias = (0, 0) if bias is None else (bias[0], bias[1])
        x_z, x_r, x_h = np.split(x @ kernel + input_bias, 3, axis=-1)
        h_z, h_r, h_h = np.split(h @ recurrent_kernel + recurrent_bias, 3, axis=-1)
        z, r = sigmoid(x_z + h_z), sigmoid(x_r + h_r)
        candidate = np.tanh(x_h + r * h_h)
    else:
        x_z, x_r, x_h = np.split(x @ kernel + (0 if bias is None else bias), 3, axis=-1)
        h_z, h_r = np.split(h @ recurrent_kernel[:, :2 * units], 2, axis=-1)
        z, r = sigmoid(x_z + h_z), sigmoid(x_r + h_r)
        candidate = np.tanh(x_h + (r * h) @ recurrent_kernel[:, 2 * units:])
    h = z * h + (1 - z) * candidate
    return h, [h]


def run_rnn(step, x, weights, initial_states, go_backwards=False, mask=None, zero_output_for_mask=False,
            **step_arguments):
    """(outputs [batch, time, units] in processing order, final states), as Keras's TF backend computes them."""
    order = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    states = [np.array(s, dtype=np.float64) for s in initial_states]
    previous_output = np.zeros_like(states[0])
    outputs = []
    for t in order:
        output, new_states = step(x[:, t], states, *weights, **step_arguments)
        if mask is not None:
            keep = mask[:, t:t + 1]
            output = np.where(keep, output, 0.0 if zero_output_for_mask else previous_output)
            new_states = [np.where(keep, new, old) for new, old in zip(new_states, states)]
        states, previous_output = new_states, output
        outputs.append(output)
    return np.stack(outputs, axis=1), states
