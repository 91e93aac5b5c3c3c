"""SGD with optional (Nesterov) momentum, Keras 3's update rule."""
from ..errors import InvalidArgumentError
from ..ops.binary import multiply, subtract
from .base import Optimizer


class SGD(Optimizer):
    """velocity = momentum * velocity - lr * g; w += velocity (Nesterov: w += momentum * velocity - lr * g)."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name="SGD", **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or not 0 <= momentum <= 1:
            raise InvalidArgumentError(f"`momentum` must be a float between [0, 1]. Received: momentum={momentum!r}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def _slot_names(self):
        return ("momentum",) if self.momentum != 0 else ()

    def _scalars(self, lr):
        return lr, self._scalar(self.momentum)

    def _update_step(self, gradient, variable, slots, scalars):
        lr, momentum = scalars
        step = multiply(gradient, lr)
        if not slots:
            variable.assign_sub(step)
            return
        velocity = slots[0]
        velocity.assign(subtract(multiply(velocity, momentum), step))
        if self.nesterov:
            variable.assign_add(subtract(multiply(velocity, momentum), step))
        else:
            variable.assign_add(velocity)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
