"""What `compile(loss=..., metrics=...)` becomes once the first batch shows the outputs: one loss and
a list of metrics per model output, with Keras 3's names in the logs.

Names follow Keras 3: a metric given as a string is logged under that string ("acc", "mse"); with
several outputs every name gets the output's name in front ("cls_accuracy") and each output's loss
is logged as "<output>_loss"; a repeated name gets "_1", "_2" (a weighted metric "weighted_" first).
"""
from .. import nest, runtime
from ..errors import InvalidArgumentError
from ..tensor import Tensor
from . import losses as losses_module
from . import metrics as metrics_module
from .metric_base import Mean

__all__ = []


def _shape_kinds(y_true, y_pred):
    """(is_binary, is_sparse_categorical) as Keras decides them from the two shapes."""
    true_shape, pred_shape = tuple(y_true.shape), tuple(y_pred.shape)
    true_last = true_shape[-1] if true_shape else None
    pred_last = pred_shape[-1] if pred_shape else None
    is_binary = pred_last == 1
    is_sparse = len(true_shape) < len(pred_shape) or (true_last == 1 and pred_last is not None and pred_last > 1)
    return is_binary, is_sparse


def resolve_metric(identifier, y_true, y_pred):
    """A Metric for one output; "accuracy"/"acc" picks the binary, sparse or categorical variant."""
    if identifier is None:
        raise InvalidArgumentError("Expected metric, received `None`")
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        is_binary, is_sparse = _shape_kinds(y_true, y_pred)
        if is_binary:
            metric = metrics_module.BinaryAccuracy(name=identifier)
        elif is_sparse:
            metric = metrics_module.SparseCategoricalAccuracy(name=identifier)
        else:
            metric = metrics_module.CategoricalAccuracy(name=identifier)
    else:
        metric = metrics_module.get(identifier)
        if metric is None:
            raise InvalidArgumentError(f"unknown metric {identifier!r}")
        if not isinstance(metric, metrics_module.Metric):
            metric = metrics_module.MeanMetricWrapper(metric, name=getattr(metric, "__name__", None))
    if isinstance(identifier, str):
        metric.name = identifier
    return metric


def resolve_loss(identifier, y_true, y_pred):
    """A Loss object for one output; "crossentropy"/"ce" picks binary, sparse or categorical."""
    if identifier is None:
        return None
    if isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
        is_binary, is_sparse = _shape_kinds(y_true, y_pred)
        fn = (losses_module.binary_crossentropy if is_binary else
              losses_module.sparse_categorical_crossentropy if is_sparse else losses_module.categorical_crossentropy)
        loss = fn
    else:
        loss = losses_module.get(identifier)
    if isinstance(loss, losses_module.Loss):
        return loss
    name = identifier if isinstance(identifier, str) else getattr(loss, "__name__", None)
    if loss is losses_module.sparse_categorical_crossentropy:
        return losses_module.SparseCategoricalCrossentropy(name=name)
    return losses_module.LossFunctionWrapper(loss, name=name)


def _per_output(spec, output_names, what):
    """`spec` as one entry per output: a list with an entry per output, a dict by output name, or one
    value that every output shares (a one-entry list or dict counts as that value for one output)."""
    count = len(output_names)
    if isinstance(spec, dict):
        unknown = set(spec) - set(output_names)
        if unknown and count > 1:
            raise InvalidArgumentError(f"`{what}` has keys {sorted(unknown)} that name no output; the model's "
                                       f"outputs are {output_names}")
        if count == 1 and unknown and len(spec) == 1:
            return list(spec.values())
        return [spec.get(name) for name in output_names]
    if isinstance(spec, (list, tuple)):
        if count == 1 and len(spec) == 1:
            return list(spec)
        if len(spec) != count:
            raise InvalidArgumentError(f"`{what}` has {len(spec)} entries for a model with {count} outputs "
                                       f"{output_names}; give one per output (None for none) or a dict by name")
        return list(spec)
    return [spec] * count


def _metrics_per_output(spec, output_names):
    """A list of metric identifiers per output. With several outputs, a list with one entry per output or a
    dict by output name assigns them; any other list applies to every output (as tf.keras did)."""
    count = len(output_names)
    if count == 1:
        return [nest.flatten(spec)]
    if isinstance(spec, dict):
        per_output = _per_output(spec, output_names, "metrics")
    elif len(spec) == count:
        per_output = list(spec)
    else:
        per_output = [spec] * count
    return [[] if entry is None else list(entry) if isinstance(entry, (list, tuple)) else [entry]
            for entry in per_output]


class CompiledObjectives:
    """The compiled losses and metrics of a model, built on the first batch (its shapes decide "accuracy")."""

    def __init__(self, loss, loss_weights, metrics, weighted_metrics):
        self._loss_spec = loss
        self._loss_weights_spec = loss_weights
        self._metrics_spec = metrics
        self._weighted_metrics_spec = weighted_metrics
        for spec, what in ((metrics, "metrics"), (weighted_metrics, "weighted_metrics")):
            if spec and not isinstance(spec, (list, tuple, dict)):
                raise InvalidArgumentError(f"Expected `{what}` argument to be a list, tuple, or dict. Received "
                                           f"instead: {what}={spec!r} of type {type(spec)}")
        self.loss_tracker = Mean(name="loss")
        self.built = False
        self.output_names = None
        self.losses = []              # per output: Loss or None
        self.loss_weights = []        # per output: float
        self.output_loss_trackers = []  # per output with a loss, when there are several outputs
        self.metric_entries = []      # (log name, metric, output index, weighted)

    def build(self, y_true_flat, y_pred_flat, output_names):
        self.output_names = list(output_names)
        multi = len(self.output_names) > 1
        loss_specs = _per_output(self._loss_spec, self.output_names, "loss")
        self.losses = [resolve_loss(spec, yt, yp) if yt is not None else None
                       for spec, yt, yp in zip(loss_specs, y_true_flat, y_pred_flat)]
        self.loss_weights = [1.0 if w is None else float(w)
                             for w in _per_output(self._loss_weights_spec, self.output_names, "loss_weights")]
        self.output_loss_trackers = [Mean(name=f"{name}_loss") if multi and loss is not None else None
                                     for name, loss in zip(self.output_names, self.losses)]
        seen = {"loss": 1}
        seen.update({tracker.name: 1 for tracker in self.output_loss_trackers if tracker is not None})
        self.metric_entries = []
        for spec, weighted in ((self._metrics_spec, False), (self._weighted_metrics_spec, True)):
            if not spec:
                continue
            for index, identifiers in enumerate(_metrics_per_output(spec, self.output_names)):
                for identifier in identifiers:
                    metric = resolve_metric(identifier, y_true_flat[index], y_pred_flat[index])
                    self.metric_entries.append((self._unique_name(metric.name, index, weighted, seen), metric,
                                                index, weighted))
        self.built = True

    def _unique_name(self, name, index, weighted, seen):
        prefix = f"{self.output_names[index]}_" if len(self.output_names) > 1 else ""
        candidate = prefix + name
        if candidate not in seen:
            seen[candidate] = 1
            return candidate
        if weighted:
            candidate = f"{prefix}weighted_{name}"
            if candidate not in seen:
                seen[candidate] = 1
                return candidate
        count = seen[candidate]
        seen[candidate] = count + 1
        return f"{candidate}_{count}"

    # --- per batch -------------------------------------------------------------------------
    def compute_loss(self, y_true_flat, y_pred_flat, sample_weight_flat):
        """The weighted sum of the per-output losses, and the unweighted per-output values."""
        total = None
        per_output = []
        for loss, weight, y_true, y_pred, sample_weight in zip(self.losses, self.loss_weights, y_true_flat,
                                                                y_pred_flat, sample_weight_flat):
            if loss is None or y_true is None:
                per_output.append(None)
                continue
            value = loss(y_true, y_pred, sample_weight=sample_weight)
            per_output.append(value)
            term = value if weight == 1.0 else value * weight
            total = term if total is None else total + term
        return total, per_output

    def update_metrics(self, total_loss, per_output_loss, batch_size, y_true_flat, y_pred_flat,
                       sample_weight_flat):
        if total_loss is not None:
            _track_batch_mean(self.loss_tracker, total_loss, batch_size)
        for tracker, value in zip(self.output_loss_trackers, per_output_loss):
            if tracker is not None and value is not None:
                _track_batch_mean(tracker, value, batch_size)
        for _, metric, index, weighted in self.metric_entries:
            if y_true_flat[index] is None:
                continue
            metric.update_state(y_true_flat[index], y_pred_flat[index],
                                sample_weight=sample_weight_flat[index] if weighted else None)

    @property
    def metrics(self):
        """Every metric object, loss trackers first."""
        result = [self.loss_tracker]
        result += [t for t in self.output_loss_trackers if t is not None]
        result += [metric for _, metric, _, _ in self.metric_entries]
        return result

    @property
    def log_names(self):
        names = ["loss"] + [t.name for t in self.output_loss_trackers if t is not None]
        return names + [name for name, _, _, _ in self.metric_entries]

    def results(self):
        """{log name: result tensor} in log-name order."""
        results = {"loss": self.loss_tracker.result()}
        for tracker in self.output_loss_trackers:
            if tracker is not None:
                results[tracker.name] = tracker.result()
        for name, metric, _, _ in self.metric_entries:
            results[name] = metric.result()
        return results

    def reset(self):
        for metric in self.metrics:
            metric.reset_state()


def _track_batch_mean(tracker, value, batch_size):
    """Mean.update_state(value, sample_weight=batch_size) for a scalar, without its reshaping (a hot path)."""
    with runtime.no_recording():
        tracker.accumulate(value, batch_size, weighted=True)


def serialize_compile_value(value):
    """Keras 3's compile-config form: names stay strings, objects become their serialized dicts."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {key: serialize_compile_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [serialize_compile_value(item) for item in value]
    if isinstance(value, metrics_module.Metric):
        return metrics_module.serialize(value)
    if isinstance(value, Tensor):
        return value.numpy().tolist()
    return losses_module.serialize(value)


def deserialize_compile_value(value, kind):
    """Inverse of serialize_compile_value for `kind` "loss" or "metric"."""
    if isinstance(value, dict) and "class_name" in value:
        return losses_module.deserialize(value) if kind == "loss" else metrics_module.deserialize(value)
    if isinstance(value, dict):
        return {key: deserialize_compile_value(item, kind) for key, item in value.items()}
    if isinstance(value, list):
        return [deserialize_compile_value(item, kind) for item in value]
    return value
