"""The Layer base class: names, weights and their order, lazy build, freezing, losses, training flag, configs."""
import numpy as np
import pytest

import engine as tf
from engine.errors import InvalidArgumentError
from engine.keras.keras_tensor import KerasTensor, get_keras_mask
from engine.keras.layer import InputSpec, Layer, to_snake_case

K = tf.keras


class Linear(Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(input_shape[-1], self.units), initializer="ones",
                                 regularizer=K.regularizers.L2(0.5))
        self.b = self.add_weight(name="b", shape=(self.units,), initializer="zeros")
        self.count = self.add_weight(name="count", shape=(), initializer="zeros", trainable=False)

    def call(self, inputs):
        return tf.matmul(inputs, self.w) + self.b


class Block(Layer):
    """Sublayers as attributes, in a list and in a dict."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.first = Linear(3)
        self.stack = [Linear(2), Linear(2)]
        self.named = {"last": Linear(1)}

    def call(self, inputs):
        x = self.first(inputs)
        for layer in self.stack:
            x = layer(x)
        return self.named["last"](x)


class TrainingEcho(Layer):
    def call(self, inputs, training=None):
        return inputs * (2.0 if training else 1.0)


def test_snake_case_names_match_keras():
    assert to_snake_case("Conv2DTranspose") == "conv2d_transpose"
    assert to_snake_case("GlobalAveragePooling2D") == "global_average_pooling2d"
    assert to_snake_case("BatchNormalization") == "batch_normalization"
    assert to_snake_case("LSTM") == "lstm"


def test_auto_names_count_per_class():
    class Probe(Layer):
        pass

    first, second, named, third = Probe(), Probe(), Probe(name="mine"), Probe()
    assert (first.name, second.name, named.name, third.name) == ("probe", "probe_1", "mine", "probe_2")


def test_build_is_lazy_and_records_the_input_shape():
    layer = Linear(4)
    assert not layer.built and layer.weights == []
    y = layer(np.ones((2, 3)))
    assert layer.built
    assert tuple(y.shape) == (2, 4)
    assert [v.name for v in layer.weights] == ["w", "b", "count"]
    assert layer.get_build_config() == {"input_shape": (2, 3)}


def test_weights_order_is_own_trainable_then_non_trainable_then_sublayers():
    block = Block()
    block(np.ones((1, 5)))
    shapes = [tuple(v.shape) for v in block.weights]
    assert shapes == [(5, 3), (3,), (), (3, 2), (2,), (), (2, 2), (2,), (), (2, 1), (1,), ()]
    assert [v.name for v in block.trainable_weights] == ["w", "b"] * 4
    assert [v.name for v in block.non_trainable_weights] == ["count"] * 4
    assert block.variables == block.weights
    assert block.trainable_variables == block.trainable_weights
    assert [layer.name for layer in block._layers] == [block.first.name, block.stack[0].name, block.stack[1].name,
                                                        block.named["last"].name]


def test_variables_assigned_as_attributes_are_tracked():
    class Scale(Layer):
        def __init__(self):
            super().__init__()
            self.factor = tf.Variable(2.0, name="factor")
            self.history = [tf.Variable(0.0, trainable=False, name="seen")]

        def call(self, inputs):
            return inputs * self.factor

    layer = Scale()
    assert [v.name for v in layer.weights] == ["factor", "seen"]
    assert [v.name for v in layer.trainable_weights] == ["factor"]


def test_freezing_a_layer_freezes_its_sublayers_and_the_tape_ignores_them():
    block = Block()
    x = np.ones((2, 5), np.float32)
    block(x)
    block.stack[0].trainable = False
    assert len(block.trainable_weights) == 6
    assert all(not v.trainable for v in block.stack[0].weights)
    block.trainable = False
    assert block.trainable_weights == []
    assert len(block.non_trainable_weights) == 12
    assert not any(v.trainable for v in block.weights)
    with tf.GradientTape() as tape:
        tf.reduce_sum(block(x))
    assert tape.watched_variables() == ()
    block.trainable = True
    assert len(block.trainable_weights) == 8


def test_get_and_set_weights_round_trip_and_reject_wrong_shapes():
    layer = Linear(2)
    layer(np.ones((1, 3)))
    values = [np.arange(6, dtype=np.float32).reshape(3, 2), np.array([1.0, -1.0], np.float32),
              np.array(5.0, np.float32)]
    layer.set_weights(values)
    for got, expected in zip(layer.get_weights(), values):
        np.testing.assert_array_equal(got, expected)
    with pytest.raises(InvalidArgumentError, match=r"weight 'w' has shape \(3, 2\).*\(2, 3\)"):
        layer.set_weights([np.zeros((2, 3)), np.zeros(2), np.zeros(())])
    with pytest.raises(InvalidArgumentError, match="length 2, but the layer was expecting 3"):
        layer.set_weights(values[:2])
    # A rejected call changes nothing.
    np.testing.assert_array_equal(layer.get_weights()[0], values[0])


def test_losses_hold_regularization_and_add_loss_of_sublayers():
    class Penalized(Layer):
        def call(self, inputs):
            self.add_loss(tf.reduce_sum(inputs))
            return inputs

    class Outer(Layer):
        def __init__(self):
            super().__init__()
            self.linear = Linear(2)
            self.penalized = Penalized()

        def call(self, inputs):
            return self.penalized(self.linear(inputs))

    outer = Outer()
    outer(np.ones((1, 3), np.float32))
    losses = [float(loss) for loss in outer.losses]
    # add_loss: sum of the Linear output (ones @ ones(3, 2)) = 6; L2(0.5) on w = ones(3, 2): 0.5 * 6 = 3.
    assert losses == [6.0, 3.0]
    outer(np.zeros((1, 3), np.float32))
    assert [float(loss) for loss in outer.losses] == [0.0, 3.0]
    outer.trainable = False
    assert [float(loss) for loss in outer.losses] == [0.0]


def test_activity_regularizer_is_divided_by_the_batch_size():
    layer = K.layers.Activation("linear", activity_regularizer=K.regularizers.L1(0.1))
    layer(np.full((4, 2), -1.0, np.float32))
    np.testing.assert_allclose(float(layer.losses[0]), 0.1 * 8 / 4, rtol=1e-6)


def test_training_flag_propagates_to_nested_layers():
    class Outer(Layer):
        def __init__(self):
            super().__init__()
            self.inner = TrainingEcho()

        def call(self, inputs):
            return self.inner(inputs)

    outer = Outer()
    x = np.ones((1, 1), np.float32)
    assert float(outer(x, training=True)[0, 0]) == 2.0
    assert float(outer(x, training=False)[0, 0]) == 1.0
    assert float(outer(x)[0, 0]) == 1.0
    # An explicit value on the inner call wins over the outer one.
    assert float(TrainingEcho()(x, training=True)[0, 0]) == 2.0


def test_numpy_inputs_are_converted_to_the_layer_dtype():
    layer = TrainingEcho()
    y = layer(np.ones((2, 2), np.float64))
    assert y.dtype == tf.float32
    assert layer([[1.0, 2.0]]).dtype == tf.float32


def test_input_spec_violations_name_the_layer():
    dense = K.layers.Dense(2, name="head")
    with pytest.raises(InvalidArgumentError, match=r"layer 'head'.*min_ndim=2, found ndim=1"):
        dense(np.ones(3, np.float32))
    dense(np.ones((1, 3), np.float32))
    with pytest.raises(InvalidArgumentError, match=r"layer 'head'.*axis -1 of the input to have value 3"):
        dense(np.ones((1, 4), np.float32))
    spec = InputSpec(ndim=3)
    layer = TrainingEcho(name="echo")
    layer.input_spec = spec
    with pytest.raises(InvalidArgumentError, match=r"'echo'.*expected ndim=3, found ndim=2"):
        layer(np.ones((1, 2), np.float32))


def test_unknown_constructor_arguments_are_rejected():
    with pytest.raises(InvalidArgumentError, match="Unrecognized keyword arguments passed to Dense"):
        K.layers.Dense(2, kernel_size=3)


def test_base_config_and_custom_layer_auto_config_round_trip():
    layer = Linear(7, name="lin", trainable=False)
    config = layer.get_config()
    assert config == {"units": 7, "name": "lin", "trainable": False,
                      "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
                                "registered_name": None}}
    clone = Linear.from_config(config)
    assert clone.get_config() == config
    assert clone.trainable is False


def test_dtype_accepts_names_and_policy_configs():
    assert K.layers.Dense(1, dtype="float16").dtype == "float16"
    policy = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}
    assert K.layers.Dense(1, dtype=policy).dtype == "float32"
    with pytest.raises(tf.errors.UnimplementedError, match="mixed_float16"):
        K.layers.Dense(1, dtype="mixed_float16")


def test_forgetting_super_init_is_reported():
    class Broken(Layer):
        def __init__(self):
            pass

        def call(self, inputs):
            return inputs

    with pytest.raises(RuntimeError, match="forgot to call `super\\(\\).__init__\\(\\)`"):
        Broken()(np.ones((1, 1)))


def test_symbolic_call_uses_compute_output_shape_and_records_a_node():
    dense = K.layers.Dense(5)
    x = KerasTensor((None, 3))
    y = dense(x)
    assert y.shape == (None, 5) and dense.built
    assert y._keras_history.operation is dense
    assert dense._inbound_nodes[0].input_tensors == [x]


def test_symbolic_shape_of_a_custom_layer_is_probed_with_two_sizes():
    class SumTime(Layer):
        """(batch, time, features) -> (batch, features * 2); no compute_output_shape."""

        def call(self, inputs):
            summed = tf.reduce_sum(inputs, axis=1)
            return tf.concat([summed, summed], axis=-1)

    y = SumTime()(KerasTensor((None, None, 3)))
    assert y.shape == (None, 6)

    class Repeat(Layer):
        def call(self, inputs):
            return tf.concat([inputs, inputs], axis=1)

    assert Repeat()(KerasTensor((None, None, 2))).shape == (None, None, 2)
    assert Repeat()(KerasTensor((None, 4, 2))).shape == (None, 8, 2)


def test_a_failing_shape_probe_names_the_layer():
    class Picky(Layer):
        def call(self, inputs):
            raise ValueError("nope")

    with pytest.raises(InvalidArgumentError, match=r"'picky'.*Picky.*ValueError: nope.*compute_output_shape"):
        Picky()(KerasTensor((None, 2)))


def test_masks_flow_through_mask_supporting_layers():
    class MakeMask(Layer):
        def call(self, inputs):
            return inputs

        def compute_mask(self, inputs, previous_mask):
            return tf.not_equal(inputs[..., 0], 0.0)

    class ReadMask(Layer):
        def call(self, inputs, mask=None):
            self.seen = mask
            return inputs

    x = np.array([[[1.0], [0.0], [2.0]]], np.float32)
    masked = MakeMask()(x)
    np.testing.assert_array_equal(get_keras_mask(masked).numpy(), [[True, False, True]])
    passed = K.layers.Activation("relu")(masked)
    reader = ReadMask()
    reader(passed)
    np.testing.assert_array_equal(reader.seen.numpy(), [[True, False, True]])
