"""RMSprop (optionally centered, optionally with momentum), Keras 3's update rule."""
from ..ops.binary import add, divide, multiply, subtract
from ..ops.unary import sqrt, square
from .base import Optimizer


class RMSprop(Optimizer):
    """v = rho v + (1 - rho) g^2; w -= lr g / sqrt(v + eps) (centered: sqrt(v - mean_g^2 + eps))."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="rmsprop", **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def _slot_names(self):
        return ("velocity",) + (("momentum",) if self.momentum > 0 else ()) + (
            ("average_gradient",) if self.centered else ())

    def _scalars(self, lr):
        return tuple(self._scalar(v) for v in (self.rho, 1 - self.rho, self.epsilon, self.momentum)) + (lr,)

    def _update_step(self, gradient, variable, slots, scalars):
        rho, one_minus_rho, epsilon, momentum, lr = scalars
        velocity = slots[0]
        velocity.assign(add(multiply(rho, velocity), multiply(one_minus_rho, square(gradient))))
        if self.centered:
            average = slots[-1]
            average.assign(add(multiply(rho, average), multiply(one_minus_rho, gradient)))
            denominator = add(subtract(velocity, square(average)), epsilon)
        else:
            denominator = add(velocity, epsilon)
        increment = divide(multiply(lr, gradient), sqrt(denominator))
        if self.momentum > 0:
            accumulated = slots[1]
            accumulated.assign(add(multiply(momentum, accumulated), increment))
            variable.assign_sub(accumulated)
        else:
            variable.assign_sub(increment)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                "centered": self.centered}
