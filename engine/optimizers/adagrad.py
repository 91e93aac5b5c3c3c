"""Adagrad and Adadelta: per-coordinate steps scaled by accumulated squared gradients, Keras 3's rules."""
from ..ops.binary import add, divide, multiply
from ..ops.unary import negative, sqrt, square
from .base import Optimizer


class Adagrad(Optimizer):
    """accumulator += g^2; w -= lr g / sqrt(accumulator + eps)."""

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def _slot_names(self):
        return ("accumulator",)

    def _slot_initial_value(self, slot_name):
        return self.initial_accumulator_value

    def _scalars(self, lr):
        return lr, self._scalar(self.epsilon)

    def _update_step(self, gradient, variable, slots, scalars):
        lr, epsilon = scalars
        accumulator = slots[0]
        accumulator.assign_add(square(gradient))
        variable.assign_sub(divide(multiply(lr, gradient), sqrt(add(accumulator, epsilon))))

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


class Adadelta(Optimizer):
    """E[g^2] = rho E[g^2] + (1 - rho) g^2; d = -sqrt(E[d^2] + eps) / sqrt(E[g^2] + eps) g;
    E[d^2] = rho E[d^2] + (1 - rho) d^2; w += lr d."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name="adadelta", **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def _slot_names(self):
        return ("accumulated_grad", "accumulated_delta_var")

    def _scalars(self, lr):
        return (lr,) + tuple(self._scalar(v) for v in (self.rho, 1 - self.rho, self.epsilon))

    def _update_step(self, gradient, variable, slots, scalars):
        lr, rho, one_minus_rho, epsilon = scalars
        accumulated_grad, accumulated_delta = slots
        accumulated_grad.assign(add(multiply(rho, accumulated_grad), multiply(one_minus_rho, square(gradient))))
        delta = negative(divide(multiply(sqrt(add(accumulated_delta, epsilon)), gradient),
                                sqrt(add(accumulated_grad, epsilon))))
        accumulated_delta.assign(add(multiply(rho, accumulated_delta), multiply(one_minus_rho, square(delta))))
        variable.assign_add(multiply(lr, delta))

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
