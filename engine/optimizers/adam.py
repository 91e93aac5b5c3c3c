"""Adam, AdamW (Adam with Keras 3's decoupled weight decay) and Adamax, Keras 3's update rules."""
from ..dtypes import float32
from ..errors import InvalidArgumentError
from ..ops.training import adam_step_size, apply_adam
from ..ops.binary import add, divide, maximum, multiply, subtract
from ..ops.binary import pow as power
from ..ops.unary import abs as absolute
from ..ops.unary import sqrt, square
from .base import Optimizer


class Adam(Optimizer):
    """m += (g - m)(1 - beta_1); v += (g^2 - v)(1 - beta_2);
    w -= lr sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + eps)."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="adam", **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def _slot_names(self):
        return ("momentum", "velocity", "velocity_hat") if self.amsgrad else ("momentum", "velocity")

    def _scalars(self, lr):
        alpha = adam_step_size(lr, self._iterations, self.beta_1, self.beta_2)
        return alpha, self._scalar(1 - self.beta_1), self._scalar(1 - self.beta_2), self._scalar(self.epsilon)

    def _update_step(self, gradient, variable, slots, scalars):
        alpha, one_minus_beta_1, one_minus_beta_2, epsilon = scalars
        m, v = slots[0], slots[1]
        if not self.amsgrad and variable.dtype is float32 and gradient.dtype is float32:
            # One fused kernel instead of twelve elementwise ops: the same arithmetic, far fewer dispatches.
            new_variable, new_m, new_v = apply_adam(variable, m, v, gradient, alpha, one_minus_beta_1,
                                                    one_minus_beta_2, epsilon)
            m.assign(new_m)
            v.assign(new_v)
            variable.assign(new_variable)
            return
        m.assign_add(multiply(subtract(gradient, m), one_minus_beta_1))
        v.assign_add(multiply(subtract(square(gradient), v), one_minus_beta_2))
        if self.amsgrad:
            v_hat = slots[2]
            v_hat.assign(maximum(v_hat, v))
            v = v_hat
        variable.assign_sub(divide(multiply(m, alpha), add(sqrt(v), epsilon)))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam whose variables also shrink by lr * weight_decay * w before each step (decoupled weight decay)."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="adamw", **kwargs):
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency, loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        if self.weight_decay is None:
            raise InvalidArgumentError("Argument `weight_decay` must be a float. Received: weight_decay=None")


class Adamax(Optimizer):
    """m += (g - m)(1 - beta_1); u = max(beta_2 u, |g|); w -= lr m / ((1 - beta_1^t)(u + eps))."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name="adamax", **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def _slot_names(self):
        return ("momentum", "norm")

    def _scalars(self, lr):
        beta_1_power = power(self._scalar(self.beta_1), self._local_step())
        corrected_lr = divide(lr, subtract(1.0, beta_1_power))
        return corrected_lr, self._scalar(1 - self.beta_1), self._scalar(self.beta_2), self._scalar(self.epsilon)

    def _update_step(self, gradient, variable, slots, scalars):
        corrected_lr, one_minus_beta_1, beta_2, epsilon = scalars
        m, u = slots
        m.assign_add(multiply(subtract(gradient, m), one_minus_beta_1))
        u.assign(maximum(multiply(u, beta_2), absolute(gradient)))
        variable.assign_sub(divide(multiply(m, corrected_lr), add(u, epsilon)))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
