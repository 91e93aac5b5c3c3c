"""Learning-rate schedules (`tf.keras.optimizers.schedules`), Keras 3's formulas and configs.

A schedule is a callable of the step (a Python number or an integer tensor such
as `optimizer.iterations`) returning the learning rate as a float32 scalar tensor.
It is computed with ops, so reading it never waits for a GPU.
"""
import math

from ..dtypes import float32, int32
from ..errors import InvalidArgumentError
from ..ops.binary import add, divide, greater, less, maximum, minimum, multiply, subtract
from ..ops.binary import pow as power
from ..ops.convert import convert_to_tensor
from ..ops.indexing import gather, where
from ..ops.reduction import reduce_sum
from ..ops.unary import cast, ceil, cos, floor


def _float_step(step):
    step = convert_to_tensor(step)
    return step if step.dtype is float32 else cast(step, float32)


def _scalar(value):
    return convert_to_tensor(float(value), dtype=float32)


def _check_decay_steps(decay_steps, what="decay_steps"):
    if decay_steps <= 0:
        raise InvalidArgumentError(f"Argument `{what}` must be > 0. Received: {what}={decay_steps}")


class LearningRateSchedule:
    """Base class: subclasses implement `__call__(step)` and `get_config()`."""

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`.")

    def get_config(self):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` in order to be serializable.")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class _RateDecay(LearningRateSchedule):
    """Shared by ExponentialDecay and InverseTimeDecay: same arguments, progress step / decay_steps."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase, name):
        _check_decay_steps(decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def _progress(self, step):
        p = divide(_float_step(step), float(self.decay_steps))
        return floor(p) if self.staircase else p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_RateDecay):
    """initial_learning_rate * decay_rate ** (step / decay_steps), the exponent floored when `staircase`."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        return multiply(_scalar(self.initial_learning_rate), power(_scalar(self.decay_rate), self._progress(step)))


class PiecewiseConstantDecay(LearningRateSchedule):
    """values[0] while step <= boundaries[0], values[i] while boundaries[i-1] < step <= boundaries[i],
    values[-1] after the last boundary."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise InvalidArgumentError(
                "The length of boundaries should be 1 less than the length of values. Received: "
                f"boundaries={boundaries} of length {len(boundaries)}, and values={values} of length {len(values)}.")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        passed = greater(_float_step(step), convert_to_tensor([float(b) for b in self.boundaries], dtype=float32))
        index = reduce_sum(cast(passed, int32))
        return gather(convert_to_tensor([float(v) for v in self.values], dtype=float32), index)

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """(initial - end) * (1 - step / decay_steps) ** power + end, with step capped at decay_steps
    (or, when `cycle`, decay_steps stretched to the first multiple above step)."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                 name="PolynomialDecay"):
        _check_decay_steps(decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        step = _float_step(step)
        decay_steps = _scalar(self.decay_steps)
        if self.cycle:
            # ceil(step / decay_steps) is 0 only at step 0, where Keras uses one period.
            decay_steps = multiply(decay_steps, maximum(ceil(divide(step, decay_steps)), 1.0))
        else:
            step = minimum(step, decay_steps)
        remaining = subtract(1.0, divide(step, decay_steps))
        span = float(self.initial_learning_rate) - float(self.end_learning_rate)
        return add(multiply(span, power(remaining, float(self.power))), float(self.end_learning_rate))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


class InverseTimeDecay(_RateDecay):
    """initial_learning_rate / (1 + decay_rate * step / decay_steps), the ratio floored when `staircase`."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        return divide(_scalar(self.initial_learning_rate),
                      add(1.0, multiply(float(self.decay_rate), self._progress(step))))


class CosineDecay(LearningRateSchedule):
    """Optional linear warmup from initial_learning_rate to warmup_target over warmup_steps, then a cosine
    decay over decay_steps down to alpha times the rate it started from."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay", warmup_target=None,
                 warmup_steps=0):
        _check_decay_steps(decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target

    def _decayed(self, step, decay_from):
        fraction = divide(step, float(self.decay_steps))
        cosine = multiply(0.5, add(1.0, cos(multiply(math.pi, fraction))))
        alpha = float(self.alpha)
        return multiply(float(decay_from), add(multiply(1.0 - alpha, cosine), alpha))

    def __call__(self, step):
        step = _float_step(step)
        if self.warmup_target is None:
            return self._decayed(minimum(step, float(self.decay_steps)), self.initial_learning_rate)
        warmup_steps = float(self.warmup_steps)
        step = minimum(step, float(self.decay_steps) + warmup_steps)
        initial = float(self.initial_learning_rate)
        # With warmup_steps == 0 the warmup value is NaN, but `where` never selects it then.
        warmup = add(multiply(float(self.warmup_target) - initial, divide(step, warmup_steps)), initial)
        decayed = self._decayed(subtract(step, warmup_steps), self.warmup_target)
        return where(less(step, warmup_steps), warmup, decayed)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


SCHEDULES = {cls.__name__: cls for cls in (
    ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay, InverseTimeDecay, CosineDecay)}


def serialize(learning_rate_schedule):
    """Keras 3's JSON form: {"module", "class_name", "config", "registered_name"}."""
    return {"module": "keras.optimizers.schedules", "class_name": type(learning_rate_schedule).__name__,
            "config": learning_rate_schedule.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    """A schedule from `serialize`'s dict (or Keras 2's {"class_name", "config"})."""
    class_name = config.get("class_name")
    cls = (custom_objects or {}).get(class_name) or SCHEDULES.get(class_name)
    if cls is None:
        known = ", ".join(sorted(SCHEDULES))
        raise InvalidArgumentError(f"unknown learning rate schedule {class_name!r}; known: {known}")
    return cls.from_config(dict(config.get("config", {})))
