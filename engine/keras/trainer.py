"""Model.compile / fit / evaluate / predict and friends (the `Trainer` mixin of `Model`).

One training step runs the forward pass and the loss under a GradientTape,
applies the optimizer to `trainable_variables`, and updates the metrics, all
inside a tidy scope so no tensor of the step outlives it. Metrics are read back
(one small readback per metric) only at the end of an epoch, or after a batch
when a callback listens there.
"""
import warnings

import numpy as np

from .. import nest, tracing
from ..autodiff import GradientTape
from ..errors import InvalidArgumentError
from ..memory import tidy
from ..ops.reduction import reduce_sum
from ..ops.shape import stack
from ..tensor import Tensor
from .. import optimizers as optimizers_module
from .callback_base import CallbackList, pythonify_logs
from .compile_utils import CompiledObjectives, deserialize_compile_value, serialize_compile_value
from .data_adapter import (EpochIterator, class_weight_to_sample_weights, get_data_adapter, is_batch_iterable,
                           map_structure, train_validation_split, unpack_x_y_sample_weight)
from .layer import Layer

__all__ = []


class _TrainerState:
    """What compile() set up; one object, so that Layer's weight tracking never looks inside it."""

    def __init__(self, objectives, loss, loss_weights, metrics, weighted_metrics):
        self.objectives = objectives
        self.loss = loss
        self.loss_weights = loss_weights
        self.metrics = metrics
        self.weighted_metrics = weighted_metrics
        # Inside fit(), the trainable variables and the sources of the model's own losses found by the first
        # step serve every later step (walking the layers costs more than a small step's kernels); Keras
        # likewise fixes them when it traces.
        self.fitting = False
        self.step_variables = None
        self.step_loss_sources = None
        self.run_eagerly = False
        self.steps_per_execution = 1
        self.step_functions = {}   # "train", "test", "train_group", "train_chunk" -> the tf.function calling it
        self.traced_structure = None  # the layers, trainable variables and regularizers they were traced with


class Trainer:
    """Mixin of Model holding the training loop (Keras 3's `Trainer`)."""

    stop_training = False
    compiled = False
    optimizer = None
    history = None
    _trainer_state = None

    # --- compile ---------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True):
        """Configure training: an optimizer (name or object), a loss and metrics (per output by list or dict).

        Unless `run_eagerly`, fit, evaluate and the *_on_batch methods call `train_step` and `test_step`
        through tf.function: each batch shape is traced once and replayed after that.
        fit runs `steps_per_execution` training steps per call (one replay; batch callbacks then come once per
        call, as in Keras). `jit_compile` and `auto_scale_loss` are accepted for Keras compatibility.
        """
        if isinstance(steps_per_execution, bool) or not isinstance(steps_per_execution, int) \
                or steps_per_execution < 1:
            raise InvalidArgumentError(f"compile: steps_per_execution must be a positive integer, "
                                       f"got {steps_per_execution!r}")
        optimizer = optimizers_module.get(optimizer)
        if optimizer is None:
            raise InvalidArgumentError("compile: an optimizer is required")
        if loss_weights is not None and not isinstance(loss_weights, (list, tuple, dict, int, float)):
            raise InvalidArgumentError("Expected `loss_weights` argument to be a float (single output case) or a "
                                       f"list, tuple, or dict (multiple output case). Received instead: "
                                       f"loss_weights={loss_weights!r} of type {type(loss_weights)}")
        objectives = CompiledObjectives(loss, loss_weights, metrics, weighted_metrics)
        self.optimizer = optimizer
        self._trainer_state = _TrainerState(objectives, loss, loss_weights, metrics, weighted_metrics)
        self._trainer_state.run_eagerly = bool(run_eagerly)
        self._trainer_state.steps_per_execution = steps_per_execution
        self.compiled = True
        self.stop_training = False

    @property
    def loss(self):
        """The `loss` given to compile (a name, function, Loss object, or a list / dict of them)."""
        return self._trainer_state.loss if self._trainer_state is not None else None

    @property
    def compiled_loss(self):
        """`compiled_loss(y_true, y_pred, sample_weight=None)`: the weighted total of the compiled losses."""
        def compiled_loss(y_true, y_pred, sample_weight=None):
            self._require_compiled("compiled_loss")
            total, _, _ = self._compiled_loss_terms(y_true, y_pred, sample_weight)
            return total
        return compiled_loss

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Keras 3's hook: the compiled losses plus the model's own `losses` (regularization terms)."""
        self._require_compiled("compute_loss")
        if y_pred is None:
            y_pred = self(x, training=training)
        total, _, _ = self._compiled_loss_terms(y, y_pred, sample_weight)
        return self._with_model_losses(total)

    @property
    def metrics(self):
        """The loss trackers and compiled metric objects (empty until the first batch builds them)."""
        state = self._trainer_state
        if state is None or not state.objectives.built:
            return [state.objectives.loss_tracker] if state is not None else []
        return state.objectives.metrics

    @property
    def metrics_names(self):
        """The log names, in the order evaluate() lists their values: "loss", per-output losses, metrics."""
        state = self._trainer_state
        if state is None:
            return []
        return state.objectives.log_names if state.objectives.built else ["loss"]

    def reset_metrics(self):
        if self._trainer_state is not None:
            self._trainer_state.objectives.reset()

    def get_compile_config(self):
        """compile()'s arguments in Keras 3's serialized form (what a .keras file stores)."""
        state = self._trainer_state
        if not self.compiled or state is None:
            return {}
        return {
            "optimizer": optimizers_module.serialize(self.optimizer),
            "loss": serialize_compile_value(state.loss),
            "loss_weights": serialize_compile_value(state.loss_weights),
            "metrics": serialize_compile_value(state.metrics),
            "weighted_metrics": serialize_compile_value(state.weighted_metrics),
            "run_eagerly": False,
            "steps_per_execution": state.steps_per_execution,
            "jit_compile": False,
        }

    def compile_from_config(self, config):
        """Compile from get_compile_config()'s dict (Keras 2's "optimizer_config" is read as well)."""
        optimizer = config.get("optimizer", config.get("optimizer_config", "rmsprop"))
        if isinstance(optimizer, dict):
            optimizer = optimizers_module.deserialize(optimizer)
        self.compile(optimizer=optimizer,
                     loss=deserialize_compile_value(config.get("loss"), "loss"),
                     loss_weights=config.get("loss_weights"),
                     metrics=deserialize_compile_value(config.get("metrics"), "metric"),
                     weighted_metrics=deserialize_compile_value(config.get("weighted_metrics"), "metric"))
        if getattr(self, "built", False):
            self.optimizer.build(self.trainable_variables)

    def _require_compiled(self, what):
        if not self.compiled or self._trainer_state is None:
            raise InvalidArgumentError(f"You must call `compile()` before using the model ({what}).")

    # --- losses of one batch ----------------------------------------------------------------
    def _output_names(self, y_pred):
        declared = getattr(self, "output_names", None)
        if isinstance(y_pred, dict):
            return list(declared) if declared and set(declared) == set(y_pred) else sorted(y_pred)
        count = len(nest.flatten(y_pred))
        if declared and len(declared) == count:
            return list(declared)
        return [f"output_{index + 1}" for index in range(count)] if count > 1 else ["output"]

    @staticmethod
    def _flatten_like_outputs(value, names, replicate):
        """Targets or sample weights as one entry per output (None where absent)."""
        count = len(names)
        if value is None:
            return [None] * count
        if isinstance(value, dict):
            return [value.get(name) for name in names]
        if count > 1 and isinstance(value, (list, tuple)):
            if len(value) != count:
                raise InvalidArgumentError(f"the model has {count} outputs {names} but {len(value)} targets or "
                                           "sample weights were given")
            return list(value)
        if count == 1 and isinstance(value, (list, tuple)) and len(value) == 1:
            return list(value)
        return [value] * count if replicate or count == 1 else [value] + [None] * (count - 1)

    def _compiled_loss_terms(self, y, y_pred, sample_weight):
        objectives = self._trainer_state.objectives
        if isinstance(y_pred, dict):
            names = self._output_names(y_pred)
            pred_flat = [y_pred[name] for name in names]
        else:
            pred_flat = nest.flatten(y_pred)
            names = self._output_names(y_pred)
        true_flat = self._flatten_like_outputs(y, names, replicate=False)
        weights_flat = self._flatten_like_outputs(sample_weight, names, replicate=True)
        if not objectives.built:
            objectives.build(true_flat, pred_flat, names)
        total, per_output = objectives.compute_loss(true_flat, pred_flat, weights_flat)
        return total, per_output, (true_flat, pred_flat, weights_flat)

    def _with_model_losses(self, total):
        extra = self._model_losses()
        if extra:
            regularization = extra[0] if len(extra) == 1 else reduce_sum(stack(extra))
            total = regularization if total is None else total + regularization
        if total is None:
            raise InvalidArgumentError("No loss to compute. Provide a `loss` argument in `compile()` or add losses "
                                       "with `add_loss()` in a layer.")
        return total

    # --- steps ------------------------------------------------------------------------------
    def train_step(self, data):
        """One optimizer step on a batch (x, y, sample_weight) of tensors; updates the metrics."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        objectives = self._trainer_state.objectives
        with tidy():
            with GradientTape() as tape:
                y_pred = self(x, training=True)
                total, per_output, flat = self._compiled_loss_terms(y, y_pred, sample_weight)
                loss = self._with_model_losses(total)
            variables = self._variables_to_train()
            if variables:
                gradients = tape.gradient(loss, variables)
                self.optimizer.apply_gradients(zip(gradients, variables))
            else:
                warnings.warn("The model does not have any trainable weights.", stacklevel=2)
            objectives.update_metrics(loss, per_output, _batch_size(x), *flat)

    def _step_function(self, kind):
        """train_step, test_step, _train_group or _train_chunk, through a tf.function kept until the next compile
        or until the model's layers, trainable variables or regularizers change."""
        state = self._trainer_state
        step = {"train": self.train_step, "test": self.test_step, "train_group": self._train_group,
                "train_chunk": self._train_chunk}[kind]
        if state.run_eagerly:
            return step
        self._forget_steps_if_model_changed()
        function = state.step_functions.get(kind)
        if function is None:
            function = state.step_functions[kind] = tracing.function(step)
        return function

    def _forget_steps_if_model_changed(self):
        """Drop the traced steps where the layers, the trainable variables or their regularizers are not those they
        were traced with (a weight added or a layer frozen since): a replay would leave the change out."""
        state = self._trainer_state
        layers, regularized = self._loss_sources()
        structure = (tuple(map(id, layers)), tuple(map(id, self.trainable_variables)),
                     tuple((id(variable), id(regularizer)) for variable, regularizer in regularized))
        if structure != state.traced_structure:
            state.step_functions = {}
            state.traced_structure = structure

    def _train_group(self, batches):
        """steps_per_execution training steps in one call (see compile)."""
        for batch in batches:
            self.train_step(batch)

    def _train_chunk(self, data, sizes):
        """Training steps on consecutive batches of `data`'s rows, `sizes` rows each, in one call: the batches are
        cut from the chunk inside the traced step, so that a call takes one tensor per input, not one per batch
        (on a GL backend one upload instead of one per batch)."""
        start = 0
        for size in sizes:
            stop = start + size
            self.train_step(map_structure(lambda leaf: leaf[start:stop], data))
            start = stop

    def _model_losses(self):
        """`self.losses`; inside fit() without re-walking the layer tree each step, unless a subclass
        computes `losses` its own way."""
        state = self._trainer_state
        if not state.fitting or type(self).losses is not Layer.losses:
            return list(getattr(self, "losses", None) or ())
        if state.step_loss_sources is None:
            state.step_loss_sources = self._loss_sources()
        return self._losses_from(state.step_loss_sources)

    def _variables_to_train(self):
        state = self._trainer_state
        if state.step_variables is not None:
            return state.step_variables
        variables = list(self.trainable_variables)
        if state.fitting:
            state.step_variables = variables
        return variables

    def test_step(self, data):
        """Forward pass and metrics on a batch (x, y, sample_weight) of tensors."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        objectives = self._trainer_state.objectives
        with tidy():
            y_pred = self(x, training=False)
            total, per_output, flat = self._compiled_loss_terms(y, y_pred, sample_weight)
            loss = self._with_model_losses(total)
            objectives.update_metrics(loss, per_output, _batch_size(x), *flat)

    def predict_step(self, data):
        """The model's outputs for a batch, as numpy arrays."""
        x, _, _ = unpack_x_y_sample_weight(data)
        with tidy():
            outputs = self(x, training=False)
            return map_structure(lambda output: output.numpy() if isinstance(output, Tensor) else output, outputs)

    def _metric_logs(self):
        """{log name: value} as Python floats, keys sorted (one readback per metric)."""
        state = self._trainer_state
        if state is None or not state.objectives.built:
            return {}
        return pythonify_logs(state.objectives.results())

    def _ordered_results(self, logs):
        """evaluate()'s list: the values in metrics_names order, then any other keys sorted; one value alone."""
        names = self.metrics_names
        results = [logs[name] for name in names if name in logs]
        results += [logs[key] for key in sorted(logs) if key not in names]
        return results[0] if len(results) == 1 else results

    # --- fit / evaluate / predict ---------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None, sample_weight=None,
            initial_epoch=0, steps_per_epoch=None, validation_steps=None, validation_batch_size=None,
            validation_freq=1):
        """Train for `epochs` epochs; returns the History callback (history.history, .epoch, .params).

        Setting `model.stop_training = True` (from a callback or another thread) ends training after the
        current batch; that epoch still ends with its logs and callbacks.
        """
        self._require_compiled("fit")
        if validation_split and validation_data is None:
            if is_batch_iterable(x):
                raise InvalidArgumentError("`validation_split` is only supported for tensors or NumPy arrays, "
                                           "not for generators or other iterables of batches")
            (x, y, sample_weight), validation_data = train_validation_split((x, y, sample_weight),
                                                                            validation_split)
        adapter = get_data_adapter(x, y, sample_weight, batch_size=batch_size, steps=steps_per_epoch,
                                   shuffle=shuffle, class_weight=class_weight)
        iterator = EpochIterator(adapter, steps_per_epoch)
        validation = None
        if validation_data is not None:
            val_x, val_y, val_weight = (unpack_x_y_sample_weight(validation_data)
                                        if not is_batch_iterable(validation_data) else (validation_data, None, None))
            validation = EpochIterator(get_data_adapter(val_x, val_y, val_weight,
                                                        batch_size=validation_batch_size or batch_size,
                                                        steps=validation_steps), validation_steps)
        callback_list = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, add_history=True, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=epochs,
            steps=iterator.num_steps)
        self.stop_training = False
        state = self._trainer_state
        state.fitting, state.step_variables, state.step_loss_sources = True, None, None
        try:
            self._fit_epochs(iterator, validation, callback_list, initial_epoch, epochs, validation_freq)
        finally:
            state.fitting, state.step_variables, state.step_loss_sources = False, None, None
        return self.history

    def _fit_epochs(self, iterator, validation, callback_list, initial_epoch, epochs, validation_freq):
        callback_list.on_train_begin()
        epoch_logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            callback_list.on_epoch_begin(epoch)
            steps_run = self._run_epoch(iterator, callback_list)
            if steps_run == 0:
                warnings.warn("Your input ran out of data; interrupting training. Make sure that your dataset or "
                              "generator can generate at least `steps_per_epoch * epochs` batches.", stacklevel=2)
                break
            epoch_logs = self._metric_logs()
            if validation is not None and _should_evaluate(epoch, validation_freq):
                validation_logs = self._evaluate_iterator(validation, callback_list)
                epoch_logs.update({f"val_{name}": value for name, value in validation_logs.items()})
            callback_list.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        callback_list.on_train_end(logs=epoch_logs)

    def _run_epoch(self, iterator, callback_list):
        wants_begin = callback_list.wants_batch_begin("train")
        wants_logs = callback_list.wants_batch_logs("train")
        per_call = 1 if self._trainer_state.run_eagerly else self._trainer_state.steps_per_execution
        chunks = iterator.chunks(per_call) if per_call > 1 else None
        if chunks is not None:
            return self._run_chunks(chunks, callback_list, wants_begin, wants_logs)
        run = self._step_function("train") if per_call == 1 else self._step_function("train_group")
        steps_run = 0
        group, first_step = [], 0
        for step, batch in iterator.epoch():
            if not group:
                first_step = step
                if wants_begin:
                    callback_list.on_train_batch_begin(step)
            group.append(batch)
            if len(group) < per_call:
                continue
            run(group[0] if per_call == 1 else tuple(group))
            steps_run += len(group)
            group = []
            if wants_logs:
                callback_list.on_train_batch_end(step, self._metric_logs())
            if self.stop_training:
                break
        if group:   # the epoch's last, shorter group
            run(tuple(group))
            steps_run += len(group)
            if wants_logs:
                callback_list.on_train_batch_end(first_step + len(group) - 1, self._metric_logs())
        return steps_run

    def _run_chunks(self, chunks, callback_list, wants_begin, wants_logs):
        """_run_epoch for array data: a call of the traced step per chunk of steps_per_execution batches."""
        run = self._step_function("train_chunk")
        steps_run = 0
        for data, sizes in chunks:
            if wants_begin:
                callback_list.on_train_batch_begin(steps_run)
            run(data, sizes)
            steps_run += len(sizes)
            if wants_logs:
                callback_list.on_train_batch_end(steps_run - 1, self._metric_logs())
            if self.stop_training:
                break
        return steps_run

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False, **kwargs):
        """Loss and metrics over the data: a dict with return_dict, else a list in metrics_names order."""
        self._require_compiled("evaluate")
        if kwargs:
            raise InvalidArgumentError(f"Arguments not recognized: {kwargs}")
        iterator = EpochIterator(get_data_adapter(x, y, sample_weight, batch_size=batch_size, steps=steps),
                                 steps)
        callback_list = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1, steps=iterator.num_steps)
        logs = self._evaluate_iterator(iterator, callback_list)
        return logs if return_dict else self._ordered_results(logs)

    def _evaluate_iterator(self, iterator, callback_list):
        self.reset_metrics()
        callback_list.on_test_begin()
        wants_begin = callback_list.wants_batch_begin("test")
        wants_logs = callback_list.wants_batch_logs("test")
        test_function = self._step_function("test")
        for step, batch in iterator.epoch():
            if wants_begin:
                callback_list.on_test_batch_begin(step)
            test_function(batch)
            if wants_logs:
                callback_list.on_test_batch_end(step, self._metric_logs())
        logs = self._metric_logs()
        callback_list.on_test_end(logs)
        return logs

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs for every sample, batched, as numpy arrays (nested like the outputs)."""
        if is_batch_iterable(x):
            adapter = get_data_adapter(x)
        else:
            adapter = get_data_adapter(x, batch_size=batch_size, steps=steps)
        iterator = EpochIterator(adapter, steps)
        callback_list = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1, steps=iterator.num_steps)
        callback_list.on_predict_begin()
        wants_begin = callback_list.wants_batch_begin("predict")
        wants_logs = callback_list.wants_batch_logs("predict")
        batches = []
        for step, batch in iterator.epoch():
            if wants_begin:
                callback_list.on_predict_batch_begin(step)
            outputs = self.predict_step(batch)
            batches.append(outputs)
            if wants_logs:
                callback_list.on_predict_batch_end(step, {"outputs": outputs})
        callback_list.on_predict_end()
        if not batches:
            raise InvalidArgumentError("Unexpected result of `predict_function` (Empty batch_outputs). Please use "
                                       "`Model.compile(..., run_eagerly=True)`, or `tf.config.run_functions_eagerly"
                                       "(True)` for more information of where went wrong, or file a issue/bug to "
                                       "`tf.keras`.")
        flat = [nest.flatten(outputs) for outputs in batches]
        joined = [np.concatenate([batch[index] for batch in flat], axis=0) for index in range(len(flat[0]))]
        return nest.pack_sequence_as(batches[0], joined)

    # --- single batches ------------------------------------------------------------------------
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One step on one batch (metrics reset first); returns the loss and metrics of that batch."""
        self._require_compiled("train_on_batch")
        if class_weight is not None:
            if sample_weight is not None:
                raise InvalidArgumentError("You cannot `class_weight` and `sample_weight` at the same time.")
            sample_weight = class_weight_to_sample_weights(y, class_weight)
        self.reset_metrics()
        self._step_function("train")(_one_batch(x, y, sample_weight))
        logs = self._metric_logs()
        return logs if return_dict else self._ordered_results(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss and metrics of one batch (metrics reset first)."""
        self._require_compiled("test_on_batch")
        self.reset_metrics()
        self._step_function("test")(_one_batch(x, y, sample_weight))
        logs = self._metric_logs()
        return logs if return_dict else self._ordered_results(logs)

    def predict_on_batch(self, x):
        """The model's outputs for one batch, as numpy arrays."""
        return self.predict_step((_one_batch(x, None, None)[0],))


def _one_batch(x, y, sample_weight):
    adapter = get_data_adapter(x, y, sample_weight, batch_size=None, shuffle=False)
    adapter.batch_size = max(adapter.num_samples, 1)
    return next(iter(adapter.batches()))


def _batch_size(x):
    first = nest.flatten(x)[0]
    return float(first.shape[0]) if getattr(first, "shape", None) else 1.0


def _should_evaluate(epoch, validation_freq):
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    if isinstance(validation_freq, (list, tuple, set)):
        return epoch + 1 in validation_freq
    raise InvalidArgumentError(f"Expected `validation_freq` to be a list or int. Received: "
                               f"validation_freq={validation_freq} of type {type(validation_freq)}.")
