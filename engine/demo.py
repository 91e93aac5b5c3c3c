"""A headless demo: train a small network on two interleaved spirals and report progress."""
import time

import numpy as np


def spirals(points_per_class=200, noise=0.15, seed=0):
    rng = np.random.default_rng(seed)
    t = np.sqrt(rng.uniform(0.05, 1.0, points_per_class)) * 3 * np.pi
    arm = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / (3 * np.pi)
    x = np.concatenate([arm, -arm]) + rng.normal(0, noise / 3, (2 * points_per_class, 2))
    y = np.repeat([0, 1], points_per_class)
    order = rng.permutation(len(y))
    return x[order].astype(np.float32), y[order].astype(np.int32)


def train_spirals(epochs=200, hidden=32, learning_rate=0.02, log=print):
    """Full-batch Adam on an MLP 2-hidden-hidden-2; returns the final training accuracy."""
    import engine as tf

    x_np, y_np = spirals()
    x, y = tf.constant(x_np), tf.constant(y_np)
    rng = np.random.default_rng(1)

    def glorot(fan_in, fan_out):
        limit = np.sqrt(6 / (fan_in + fan_out))
        return tf.Variable(rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32))

    params = [glorot(2, hidden), tf.Variable(np.zeros(hidden, np.float32)),
              glorot(hidden, hidden), tf.Variable(np.zeros(hidden, np.float32)),
              glorot(hidden, 2), tf.Variable(np.zeros(2, np.float32))]
    optimizer = tf.optimizers.Adam(learning_rate)

    def forward(inputs):
        h = tf.nn.relu(tf.matmul(inputs, params[0]) + params[1])
        h = tf.nn.relu(tf.matmul(h, params[2]) + params[3])
        return tf.matmul(h, params[4]) + params[5]

    log(f"Training a {2}-{hidden}-{hidden}-2 network on {len(y_np)} spiral points "
        f"with the {tf.get_backend()!r} backend")
    started = time.perf_counter()
    accuracy = 0.0
    for epoch in range(1, epochs + 1):
        with tf.GradientTape() as tape:
            logits = forward(x)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits))
        optimizer.apply_gradients(zip(tape.gradient(loss, params), params))
        if epoch % max(1, epochs // 10) == 0 or epoch == epochs:
            predicted = tf.argmax(logits, axis=1).numpy()
            accuracy = float(np.mean(predicted == y_np))
            log(f"epoch {epoch:4d}/{epochs}  loss {float(loss):.4f}  accuracy {accuracy:.3f}")
    log(f"done in {time.perf_counter() - started:.2f} s; final training accuracy {accuracy:.3f}")
    return accuracy
