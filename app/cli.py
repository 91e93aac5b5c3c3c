"""The command line: `train`, `predict`, `export` and `demo`, on the same pipeline as the window.

stdout carries results only (for `predict`, one JSON line per file and nothing else); progress
and logs go to stderr. Every error is one line on stderr and a non-zero exit code, never a
traceback (set GLIMMER_DEBUG=1 to see one). Heavy modules load only when a command runs.
"""
import argparse
import contextlib
import json
import os
import sys
import time

__all__ = ["OneLineParser", "add_commands", "run_demo", "format_confusion"]

EXIT_FAILED = 1
EXIT_USAGE = 2
PROJECT_FILE = "project.glimmer"
PREDICT_BATCH = 16


class OneLineParser(argparse.ArgumentParser):
    """argparse with usage errors on one line: "glimmer train: error: ..." (exit code 2)."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _number(kind, low, low_inclusive=True, high=None):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {'whole ' if kind is int else ''}number")
        if value < low or (value == low and not low_inclusive) or (high is not None and value >= high):
            bounds = f"{'at least' if low_inclusive else 'more than'} {low}" + (f" and below {high}" if high else "")
            raise argparse.ArgumentTypeError(f"{text} must be {bounds}")
        return value
    return parse


def add_commands(subparsers):
    """Add train, predict, export and demo to main.py's sub-command parser."""
    backend_help = "engine backend: cpu, gl, gl-compute or gl-fragment (default: a GPU if there is one, else cpu)"
    train = subparsers.add_parser("train", help="train an image classifier from a folder of class folders")
    train.add_argument("--type", choices=["image"], default="image", help="project type (image)")
    train.add_argument("--data", required=True, metavar="DIR", help="one sub-folder of images per class")
    train.add_argument("--out", required=True, metavar="OUT", help="output folder: project.glimmer and export/")
    train.add_argument("--epochs", type=_number(int, 1), help="training epochs (default 50)")
    train.add_argument("--batch-size", type=_number(int, 1), help="batch size (default 16)")
    train.add_argument("--lr", type=_number(float, 0, low_inclusive=False), help="learning rate (default 0.001)")
    train.add_argument("--validation-fraction", type=_number(float, 0, high=0.9),
                       help="share of each class held out for validation (default 0.15)")
    train.add_argument("--seed", type=_number(int, 0), help="random seed (default 0)")
    train.add_argument("--export", metavar="FORMATS", help="also export: comma-separated tfjs,keras,h5")
    train.add_argument("--backend", help=backend_help)
    train.set_defaults(func=_guarded(_cmd_train))

    predict = subparsers.add_parser("predict", help="classify image files; one JSON line per file on stdout")
    predict.add_argument("--model", required=True, metavar="OUT", help="a training output folder or a .glimmer file")
    predict.add_argument("inputs", nargs="+", metavar="FILE_OR_DIR", help="images, or folders of images")
    predict.add_argument("--backend", help=backend_help)
    predict.set_defaults(func=_guarded(_cmd_predict))

    export = subparsers.add_parser("export", help="export a trained project as TF.js, Keras or HDF5 files")
    export.add_argument("--model", required=True, metavar="OUT", help="a training output folder or a .glimmer file")
    export.add_argument("--format", required=True, metavar="FORMATS", help="comma-separated: tfjs,keras,h5")
    export.add_argument("--dest", metavar="DIR", help="where to write (default: OUT/export, or export/ beside the "
                                                      "project file)")
    export.add_argument("--backend", help=backend_help)
    export.set_defaults(func=_guarded(_cmd_export))

    demo = subparsers.add_parser("demo", help="train the bundled sample project headless and print the results")
    demo.add_argument("--epochs", type=_number(int, 1), default=50, help="training epochs (default 50)")
    demo.add_argument("--backend", help=backend_help)
    demo.set_defaults(func=_guarded(run_demo))


# --- errors ---------------------------------------------------------------------------------------------
def _one_line(exc):
    if isinstance(exc, OSError) and exc.strerror:
        text = f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    else:
        text = str(exc) or type(exc).__name__
        from .errors import AppError
        if not isinstance(exc, AppError) and type(exc).__module__.split(".")[0] not in ("engine", "app"):
            text = f"{type(exc).__name__}: {text}"
    return " ".join(text.split())


def _guarded(command):
    def run(args):
        try:
            return command(args)
        except KeyboardInterrupt:
            print(f"glimmer {args.command}: interrupted", file=sys.stderr)
            return 130
        except Exception as exc:  # the promise of the command line: one line, no traceback
            if os.environ.get("GLIMMER_DEBUG"):
                raise
            print(f"glimmer {args.command}: error: {_one_line(exc)}", file=sys.stderr)
            return EXIT_FAILED
    return run


def _log(message):
    print(message, file=sys.stderr, flush=True)


# --- shared steps ----------------------------------------------------------------------------------------
def _use_backend(name):
    import engine as tf
    if name:
        tf.set_backend(name)
    return tf.get_backend()


def _project_path(model_arg):
    from .errors import AppError
    path = os.path.abspath(model_arg)
    if os.path.isdir(path):
        path = os.path.join(path, PROJECT_FILE)
        if not os.path.isfile(path):
            raise AppError(f"{model_arg}: no {PROJECT_FILE} in this folder (train one with `glimmer train`)")
    elif not os.path.exists(path):
        raise AppError(f"{model_arg}: no such file or folder")
    return path


def _epoch_printer(epochs, write):
    """A Keras callback printing loss/accuracy for about 20 of the epochs (all of them when there are few)."""
    import engine as tf
    every = max(1, epochs // 20)

    def on_epoch_end(epoch, logs):
        if epoch == 0 or (epoch + 1) % every == 0 or epoch + 1 == epochs:
            parts = [f"epoch {epoch + 1:>{len(str(epochs))}}/{epochs}"]
            parts += [f"{name} {logs[name]:.4f}" for name in ("loss", "accuracy", "val_loss", "val_accuracy")
                      if name in logs]
            write("  ".join(parts))
    return tf.keras.callbacks.LambdaCallback(on_epoch_end=on_epoch_end)


def format_confusion(labels, matrix):
    """The confusion matrix as an aligned text table (rows: true class, columns: predicted class)."""
    width = max(8, *(len(label) + 2 for label in labels))
    lines = [" " * width + "".join(f"{label:>{width}}" for label in labels)]
    for label, row in zip(labels, matrix):
        lines.append(f"{label:<{width}}" + "".join(f"{count:>{width}}" for count in row))
    return "\n".join(lines)


def _report(history):
    """Final accuracy and the confusion matrix, as lines of text."""
    matrix = history["confusion_matrix"]
    correct, total = sum(matrix[i][i] for i in range(len(matrix))), sum(map(sum, matrix))
    which = history["evaluated_on"]
    accuracy = correct / total if total else 0.0
    lines = [f"{which} accuracy: {accuracy:.3f} ({correct} of {total} images)"]
    if which == "training":
        lines.append("(no validation images: every class needs at least two images for a validation split)")
    lines.append(f"confusion matrix on the {which} images (rows: true class, columns: predicted class):")
    lines.append(format_confusion(history["labels"], matrix))
    return lines, accuracy


def _train(project, write, embed_write):
    """Embed and train `project` with the real extractor, printing progress; returns (extractor, history)."""
    from .ml import ImageFeatureExtractor, train_project
    extractor = ImageFeatureExtractor()
    started = time.perf_counter()

    def embed_progress(done, total):
        embed_write(f"embedding images: {done}/{total}")

    history = train_project(project, extractor, callbacks=[_epoch_printer(project.settings.epochs, write)],
                            embed_progress=embed_progress)
    write(f"trained in {time.perf_counter() - started:.1f} s on {history['backend']}")
    return extractor, history


# --- train -------------------------------------------------------------------------------------------------
def _dataset_project(data_dir, settings):
    """A new project with one class per sub-folder of `data_dir`; unreadable images are reported and skipped."""
    from .capture import dataset_files
    from .errors import AppError, ImageReadError
    from .imaging import read_image
    from .project import Project
    classes, skipped = dataset_files(data_dir)
    if len(classes) < 2:
        raise AppError(f"{data_dir}: found {len(classes)} class folder(s); training needs at least two sub-folders "
                       "of images, one per class")
    total = sum(len(paths) for paths in classes.values())
    _log(f"reading {total} images in {len(classes)} classes from {data_dir}")
    project = Project(os.path.basename(os.path.abspath(data_dir)) or "project")
    project.settings = settings
    for name, paths in classes.items():
        info = project.add_class(name)
        for path in paths:
            try:
                project.add_sample(info.id, read_image(path), source=f"file:{os.path.relpath(path, data_dir)}")
            except ImageReadError as exc:
                skipped.append((path, exc.reason))
    for path, reason in skipped:
        _log(f"skipped {path}: {reason}")
    empty = [info.name for info in project.classes if not info.sample_ids]
    if empty:
        raise AppError(f"{data_dir}: no readable images in class folder(s) {', '.join(empty)}")
    return project


def _cmd_train(args):
    from .ml import export, parse_formats, project_classifier
    from .project import TrainingSettings, save_project
    formats = parse_formats(args.export) if args.export else []
    defaults = TrainingSettings()
    settings = TrainingSettings(
        epochs=args.epochs or defaults.epochs, batch_size=args.batch_size or defaults.batch_size,
        learning_rate=args.lr or defaults.learning_rate, seed=args.seed if args.seed is not None else defaults.seed,
        validation_fraction=(args.validation_fraction if args.validation_fraction is not None
                             else defaults.validation_fraction))
    _use_backend(args.backend)
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    project = _dataset_project(args.data, settings)
    extractor, history = _train(project, _log, _log)
    lines, _accuracy = _report(history)
    path = save_project(project, os.path.join(out, PROJECT_FILE))
    lines.append(f"project: {path}")
    if formats:
        written = export(project_classifier(project, extractor), formats, os.path.join(out, "export"),
                         model_name=project.name)
        lines += [f"export: {p}" for p in written]
    print("\n".join(lines), flush=True)
    return 0


# --- predict -------------------------------------------------------------------------------------------
def _expand_inputs(inputs):
    """[(path, None) | (path, reason)] in the order given; folders become their image files."""
    from .capture import image_files
    entries = []
    for item in inputs:
        files, missing = image_files([item])
        entries += [(path, None) for path in files] + [(path, reason) for path, reason in missing]
        if os.path.isdir(item) and not files:
            entries.append((item, "no image files in this folder"))
    return entries


def _predict_lines(classifier, entries):
    """JSON-ready dicts, one per entry, in order; images are read and scored a batch at a time."""
    import numpy as np
    from .errors import ImageReadError
    from .imaging import prepare_image, read_image
    for start in range(0, len(entries), PREDICT_BATCH):
        chunk = entries[start:start + PREDICT_BATCH]
        results, images = [], []
        for path, reason in chunk:
            if reason is None:
                try:
                    images.append(prepare_image(read_image(path)))
                    results.append({"file": path})
                    continue
                except ImageReadError as exc:
                    reason = exc.reason
            results.append({"file": path, "error": reason})
        scores = iter(classifier.predict(np.stack(images)) if images else [])
        for result in results:
            if "error" not in result:
                row = next(scores)
                best = int(np.argmax(row))
                result.update(label=classifier.labels[best], confidence=round(float(row[best]), 6),
                              scores={label: round(float(p), 6) for label, p in zip(classifier.labels, row)})
            yield result


def _cmd_predict(args):
    from .ml import ImageFeatureExtractor, project_classifier
    from .project import load_project
    results_out = sys.stdout
    failed = 0
    # Only JSON lines reach stdout: anything else printed meanwhile (engine notices, warnings) goes to stderr.
    with contextlib.redirect_stdout(sys.stderr):
        _use_backend(args.backend)
        project = load_project(_project_path(args.model))
        classifier = project_classifier(project, ImageFeatureExtractor())
        for result in _predict_lines(classifier, _expand_inputs(args.inputs)):
            failed += "error" in result
            results_out.write(json.dumps(result) + "\n")
            results_out.flush()
    if failed:
        _log(f"{failed} file(s) could not be read")
    return EXIT_FAILED if failed else 0


# --- export ----------------------------------------------------------------------------------------------
def _cmd_export(args):
    from .ml import ImageFeatureExtractor, export, parse_formats, project_classifier
    from .project import load_project
    formats = parse_formats(args.format)
    _use_backend(args.backend)
    path = _project_path(args.model)
    project = load_project(path)
    dest = args.dest or (os.path.join(args.model, "export") if os.path.isdir(args.model)
                         else os.path.join(os.path.dirname(path), "export"))
    written = export(project_classifier(project, ImageFeatureExtractor()), formats, dest, model_name=project.name)
    print("\n".join(written), flush=True)
    return 0


# --- demo ------------------------------------------------------------------------------------------------
def run_demo(args):
    """Train the bundled sample project and print progress, the confusion matrix and a few predictions."""
    from .imaging import read_image
    from .ml import project_classifier
    from .project import held_out_samples, sample_project
    started = time.perf_counter()
    backend = _use_backend(getattr(args, "backend", None))
    project = sample_project()
    project.settings.epochs = getattr(args, "epochs", None) or project.settings.epochs
    counts = ", ".join(f"{info.name} {len(info.sample_ids)}" for info in project.classes)
    print(f"Sample project: {project.sample_count} images ({counts}); engine backend {backend}", flush=True)

    def say(message):
        print(message, flush=True)

    extractor, history = _train(project, say, say)
    lines, accuracy = _report(history)
    print("\n".join(lines))
    classifier = project_classifier(project, extractor)
    print("predictions on pictures the model has not seen:")
    for path in held_out_samples():
        scores = classifier.predict_one(read_image(path))
        label = max(scores, key=scores.get)
        print(f"  {os.path.basename(path):<18} -> {label} ({scores[label]:.0%})")
    print(f"done in {time.perf_counter() - started:.1f} s, {history['evaluated_on']} accuracy {accuracy:.2f}")
    return 0
