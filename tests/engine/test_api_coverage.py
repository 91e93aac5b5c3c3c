"""Every name the engine-core issue promises exists and is callable under its TF 2 path."""
import pytest

import engine as tf

PROMISED = """
constant convert_to_tensor zeros ones zeros_like ones_like fill range linspace eye
random.normal random.uniform random.truncated_normal random.shuffle random.set_seed
abs negative exp math.expm1 math.log math.log1p sqrt math.rsqrt square sin cos tan tanh sigmoid
nn.relu nn.relu6 nn.elu nn.selu nn.leaky_relu nn.softplus nn.softsign nn.gelu math.sign floor ceil round
math.reciprocal math.erf logical_not math.is_nan math.is_finite
add subtract multiply divide math.floordiv math.floormod pow maximum minimum math.squared_difference
equal not_equal less less_equal greater greater_equal logical_and logical_or math.atan2
reduce_sum reduce_mean reduce_max reduce_min reduce_prod reduce_any reduce_all reduce_logsumexp
argmax argmin math.cumsum nn.moments math.top_k
reshape transpose expand_dims squeeze concat stack unstack split slice strided_slice gather gather_nd
tile pad reverse one_hot where cast clip_by_value identity shape size rank broadcast_to
matmul tensordot linalg.norm
nn.bias_add nn.softmax nn.log_softmax nn.conv1d nn.conv2d nn.depthwise_conv2d nn.separable_conv2d
nn.conv2d_transpose nn.max_pool2d nn.avg_pool2d nn.batch_normalization nn.dropout nn.l2_normalize
nn.sparse_softmax_cross_entropy_with_logits nn.softmax_cross_entropy_with_logits math.confusion_matrix
image.resize image.crop_and_resize image.flip_left_right image.rgb_to_grayscale image.per_image_standardization
signal.frame signal.hann_window signal.rfft signal.irfft signal.stft signal.linear_to_mel_weight_matrix
signal.mfccs_from_log_mel_spectrograms math.real math.imag math.angle complex
tidy dispose keep memory profile GradientTape stop_gradient custom_gradient grad value_and_grad variable_grads
set_backend get_backend backends Variable
""".split()


@pytest.mark.parametrize("name", PROMISED)
def test_name_exists(name):
    target = tf
    for part in name.split("."):
        assert hasattr(target, part), f"tf.{name} is missing"
        target = getattr(target, part)
    assert callable(target), f"tf.{name} is not callable"


def test_namespaces_import_as_modules():
    import importlib
    for namespace in ("engine.math", "engine.nn", "engine.signal", "engine.image", "engine.random", "engine.linalg"):
        assert importlib.import_module(namespace) is not None
