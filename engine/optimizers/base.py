"""`Optimizer`: Keras 3's optimizer base class (options, slot variables, clipping, weight decay, config).

A subclass names its slot variables in `_slot_names()`, computes the scalars one
step needs once per `apply_gradients` call in `_scalars(lr)` (so the per-variable
loop does no Python-to-tensor conversions), and updates one variable in
`_update_step(gradient, variable, slots, scalars)`. Everything runs with ops, so
an update stays on whatever backend holds the weights.
"""
import re
import warnings

import numpy as np

from .. import runtime
from ..autodiff import GradientTape
from ..dtypes import float32, int32
from ..errors import DTypeError, InvalidArgumentError, UnimplementedError
from ..ops.binary import add, divide, maximum, minimum, multiply, subtract
from ..ops.convert import convert_to_tensor
from ..ops.reduction import reduce_sum
from ..ops.unary import cast, clip_by_value, sqrt, square
from ..tensor import Tensor, Variable
from . import schedules

# Keys that Keras 2 (tf_keras) optimizers put in their configs and Keras 3 has no use for.
_KERAS2_ONLY_KEYS = ("jit_compile", "is_legacy_optimizer")


class Optimizer:
    """Base class of every optimizer (`tf.keras.optimizers.Optimizer`)."""

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.", stacklevel=3)
        if kwargs:
            raise InvalidArgumentError(f"{type(self).__name__}: argument(s) not recognized: {kwargs}")
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise InvalidArgumentError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. Received: "
                f"clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}")
        if use_ema:
            raise UnimplementedError(f"{type(self).__name__}: use_ema=True (weight moving averages) is not supported")
        if gradient_accumulation_steps:
            raise UnimplementedError(
                f"{type(self).__name__}: gradient_accumulation_steps={gradient_accumulation_steps} is not supported")
        self.name = name if name is not None else type(self).__name__.lower()
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._iterations = Variable(0, dtype=int32, trainable=False, name="iteration")
        self._scalars_made = {}   # (value, backend name) -> float32 scalar tensor (see _scalar)
        self._learning_rate = _learning_rate_state(learning_rate)
        # id(model variable) -> (model variable, its slots); holding the variable keeps its id from being reused.
        self._slots = {}
        self._slot_variables = {}    # slot name -> slot variables in creation order (Keras's `variables` order)
        self._exclude_ids = set()
        self._exclude_pattern = None
        self._decay_cache = {}       # id(model variable) -> whether weight decay applies to it

    # --- what subclasses provide -------------------------------------------
    def _slot_names(self):
        """Names of the per-variable slots this optimizer keeps, e.g. ("momentum", "velocity")."""
        return ()

    def _slot_initial_value(self, slot_name):
        return 0.0

    def _scalars(self, lr):
        """Float32 scalar tensors one step needs, given the step's learning rate `lr`."""
        raise NotImplementedError(f"{type(self).__name__} must implement _scalars(lr)")

    def _update_step(self, gradient, variable, slots, scalars):
        raise NotImplementedError(f"{type(self).__name__} must implement _update_step(...)")

    # --- state ---------------------------------------------------------------
    @property
    def iterations(self):
        """The number of steps applied so far (an int32 Variable)."""
        return self._iterations

    @property
    def learning_rate(self):
        """The learning rate of the current step: a Variable, or a schedule's value at `iterations`."""
        return self._current_learning_rate()

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        if isinstance(learning_rate, schedules.LearningRateSchedule) or callable(learning_rate):
            self._learning_rate = learning_rate
        elif isinstance(self._learning_rate, schedules.LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its `learning_rate` "
                "constructor argument, hence its learning rate is not settable. If you need the learning rate "
                "to be settable, you should instantiate the optimizer with a float `learning_rate` argument.")
        elif isinstance(self._learning_rate, Variable):
            self._learning_rate.assign(_as_float(learning_rate, "learning_rate"))
        else:
            self._learning_rate = _learning_rate_state(learning_rate)

    @property
    def variables(self):
        """Keras's order: the iteration counter, the learning rate (when a float), then the slots by kind."""
        result = [self._iterations]
        if isinstance(self._learning_rate, Variable):
            result.append(self._learning_rate)
        for slots in self._slot_variables.values():
            result.extend(slots)
        return result

    def build(self, var_list):
        """Create the slot variables of every variable in `var_list` (apply_gradients does it lazily)."""
        for variable in var_list:
            self._slots_of(variable)
        self.built = True

    def _slots_of(self, variable):
        entry = self._slots.get(id(variable))
        if entry is not None:
            return entry[1]
        self._require_variable(variable)
        if not variable.dtype.is_floating:
            raise DTypeError(f"{self.name}: variable {variable.name!r} has dtype {variable.dtype.name}; "
                             "optimizers update floating-point variables only")
        prefix = variable.name.replace("/", "_").replace(":", "_")
        shape, np_dtype = tuple(variable.shape), variable.dtype.as_numpy_dtype
        slots = []
        for slot_name in self._slot_names():
            initial = np.full(shape, self._slot_initial_value(slot_name), dtype=np_dtype)
            slot = Variable(initial, trainable=False, name=f"{prefix}_{slot_name}")
            self._slot_variables.setdefault(slot_name, []).append(slot)
            slots.append(slot)
        slots = tuple(slots)
        self._slots[id(variable)] = (variable, slots)
        return slots

    def _require_variable(self, variable):
        if not isinstance(variable, Variable):
            raise InvalidArgumentError(
                f"{self.name}: optimizers update tf.Variable objects, got {type(variable).__name__} {variable!r:.80}")

    def _current_learning_rate(self):
        lr = self._learning_rate
        if isinstance(lr, Variable):
            return lr
        value = lr(self._iterations) if isinstance(lr, schedules.LearningRateSchedule) else lr()
        value = convert_to_tensor(value, dtype_hint=float32)
        return value if value.dtype is float32 else cast(value, float32)

    def _scalar(self, value):
        """A float32 scalar tensor of a hyperparameter, made once per value and backend: a step (and a traced
        training step, once per step it unrolls) reads it without sending it to a GPU again."""
        key = (float(value), runtime.current_backend().name)
        tensor = self._scalars_made.get(key)
        if tensor is None:
            tensor = self._scalars_made[key] = convert_to_tensor(key[0], dtype=float32)
            runtime.STATE.scope_keep(tensor)   # lives as long as the optimizer
        return tensor

    def _local_step(self):
        """The 1-based number of the step being applied, as a float32 scalar (for bias corrections)."""
        return cast(add(self._iterations, 1), float32)

    # --- applying gradients ---------------------------------------------------
    def apply_gradients(self, grads_and_vars):
        """Apply one step to each variable whose gradient is not None; returns `iterations`."""
        with runtime.no_recording():
            grads, variables = self._checked_gradients(grads_and_vars)
            if not variables:
                return self._iterations
            slots = [self._slots_of(v) for v in variables]
            self.built = True
            if self.loss_scale_factor is not None:
                grads = [divide(g, self.loss_scale_factor) for g in grads]
            grads = self._clip_gradients(grads)
            lr = self._current_learning_rate()
            decay = multiply(lr, float(self.weight_decay)) if self.weight_decay is not None else None
            per_dtype = {float32: (decay, self._scalars(lr))}
            for gradient, variable, variable_slots in zip(grads, variables, slots):
                decay, scalars = per_dtype.get(variable.dtype) or self._cast_scalars(per_dtype, variable.dtype)
                if decay is not None and self._decays(variable):
                    variable.assign_sub(multiply(variable, decay))
                self._update_step(gradient, variable, variable_slots, scalars)
            for variable in variables:
                if variable.constraint is not None:
                    variable.assign(variable.constraint(variable))
            self._iterations.assign_add(1)
        return self._iterations

    def apply(self, grads, trainable_variables):
        """Keras 3's spelling of `apply_gradients(zip(grads, trainable_variables))`."""
        return self.apply_gradients(zip(grads, trainable_variables))

    def minimize(self, loss, var_list, tape=None):
        """Compute the gradients of `loss` (a callable, or a tensor recorded on `tape`) and apply them."""
        if callable(loss):
            tape = tape if tape is not None else GradientTape()
            with tape:
                if not callable(var_list):
                    tape.watch(list(var_list))
                loss = loss()
        elif tape is None:
            raise InvalidArgumentError(f"{self.name}.minimize: `tape` is required when a `Tensor` loss is passed")
        var_list = list(var_list() if callable(var_list) else var_list)
        grads = tape.gradient(loss, var_list)
        return self.apply_gradients(zip(grads, var_list))

    def _checked_gradients(self, grads_and_vars):
        grads, variables, missing = [], [], []
        for grad, variable in grads_and_vars:
            self._require_variable(variable)
            if grad is None:
                missing.append(variable.name)
                continue
            if not isinstance(grad, Tensor):
                grad = convert_to_tensor(grad, dtype=variable.dtype)
            elif grad.dtype is not variable.dtype:
                grad = cast(grad, variable.dtype)
            if grad.shape != variable.shape:
                raise InvalidArgumentError(
                    f"{self.name}: gradient of shape {list(grad.shape)} does not match variable "
                    f"{variable.name!r} of shape {list(variable.shape)}")
            grads.append(grad)
            variables.append(variable)
        if missing and not variables:
            raise InvalidArgumentError(f"{self.name}: no gradients provided for any variable: {missing}")
        if missing:
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the loss.",
                          stacklevel=3)
        return grads, variables

    def _cast_scalars(self, per_dtype, dtype):
        decay, scalars = per_dtype[float32]
        entry = (cast(decay, dtype) if decay is not None else None, tuple(cast(s, dtype) for s in scalars))
        per_dtype[dtype] = entry
        return entry

    def _clip_gradients(self, grads):
        if self.clipnorm and self.clipnorm > 0:
            return [_clip_by_norm(g, float(self.clipnorm)) for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            return _clip_by_global_norm(grads, float(self.global_clipnorm))
        if self.clipvalue and self.clipvalue > 0:
            limit = float(self.clipvalue)
            return [clip_by_value(g, -limit, limit) for g in grads]
        return grads

    # --- weight decay -----------------------------------------------------------
    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exempt these variables, or those whose name matches one of the `var_names` patterns, from weight decay."""
        self._exclude_ids = {id(v) for v in var_list or ()}
        self._exclude_pattern = re.compile("|".join(set(var_names))) if var_names else None
        self._decay_cache = {}

    def _decays(self, variable):
        key = id(variable)
        decays = self._decay_cache.get(key)
        if decays is None:
            decays = key not in self._exclude_ids and not (
                self._exclude_pattern is not None and self._exclude_pattern.search(variable.name))
            self._decay_cache[key] = decays
        return decays

    # --- saving -------------------------------------------------------------------
    def get_config(self):
        return {
            "name": self.name,
            "learning_rate": _serialized_learning_rate(self._learning_rate),
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = {k: v for k, v in config.items() if k not in _KERAS2_ONLY_KEYS}
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"], custom_objects)
        return cls(**config)

    def set_weights(self, weights):
        """Assign `weights` (arrays in the order of `variables`) to the optimizer's variables."""
        variables = self.variables
        if len(weights) != len(variables):
            raise InvalidArgumentError(f"{self.name}.set_weights: {len(weights)} weights given for "
                                       f"{len(variables)} optimizer variables (build the optimizer first)")
        for variable, weight in zip(variables, weights):
            if tuple(np.shape(weight)) != tuple(variable.shape):
                raise InvalidArgumentError(f"{self.name}.set_weights: optimizer variable {variable.name!r} has "
                                           f"shape {list(variable.shape)}, the weight {list(np.shape(weight))}")
            variable.assign(convert_to_tensor(weight, dtype=variable.dtype))

    def get_weights(self):
        return [v.numpy() for v in self.variables]

    def save_own_variables(self, store):
        """Keras 3's `.keras` file hook: store[str(i)] = the i-th optimizer variable."""
        for index, variable in enumerate(self.variables):
            store[str(index)] = variable.numpy()

    def load_own_variables(self, store):
        variables = self.variables
        if len(store.keys()) != len(variables):
            warnings.warn(f"Skipping variable loading for optimizer '{self.name}', because it has "
                          f"{len(variables)} variables whereas the saved optimizer has {len(store.keys())} "
                          "variables.", stacklevel=2)
            return
        self.set_weights([store[str(i)] for i in range(len(variables))])

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} iterations={int(self._iterations)}>"


def _as_float(value, what):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number, Tensor)):
        raise InvalidArgumentError(
            f"Argument `{what}` should be a float, or an instance of LearningRateSchedule, or a callable "
            f"(that takes in the current iteration value and returns the corresponding learning rate value). "
            f"Received instead: {what}={value!r}")
    return float(value)


def _learning_rate_state(learning_rate):
    """A schedule or callable as given, or a float held in a non-trainable float32 Variable."""
    if isinstance(learning_rate, schedules.LearningRateSchedule) or callable(learning_rate):
        return learning_rate
    return Variable(_as_float(learning_rate, "learning_rate"), dtype=float32, trainable=False, name="learning_rate")


def _serialized_learning_rate(learning_rate):
    if isinstance(learning_rate, schedules.LearningRateSchedule):
        return schedules.serialize(learning_rate)
    if isinstance(learning_rate, Variable):
        return float(learning_rate.numpy())
    # A plain callable has no JSON form; it is kept so from_config(get_config()) still rebuilds the optimizer.
    return learning_rate


def _clip_by_norm(gradient, clipnorm):
    norm = sqrt(reduce_sum(square(gradient)))
    return multiply(gradient, divide(clipnorm, maximum(norm, clipnorm)))


def _clip_by_global_norm(grads, clip_norm):
    total = None
    for g in grads:
        term = reduce_sum(square(g))
        term = term if term.dtype is float32 else cast(term, float32)
        total = term if total is None else add(total, term)
    norm = sqrt(total)
    # (norm - norm) is 0 for a finite norm and NaN otherwise, so an inf/NaN gradient poisons the step as in Keras.
    scale = add(multiply(clip_norm, minimum(divide(1.0, norm), 1.0 / clip_norm)), subtract(norm, norm))
    return [multiply(g, scale if g.dtype is float32 else cast(scale, g.dtype)) for g in grads]
