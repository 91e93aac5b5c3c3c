"""The command line: `train`, `predict`, `export` and `demo`, on the same pipeline as the window.

stdout carries results only (for `predict`, JSON lines and nothing else: one per image; for a sound
file one per window, `"window": [start_s, end_s]`, then one for the whole file, `"window": null`,
whose scores are the mean of the windows'); progress and logs go to stderr. Every error is one line
on stderr and a non-zero exit code, never a traceback (set GLIMMER_DEBUG=1 to see one). Heavy modules
load only when a command runs.
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
# predict reads a sound file into the listener this many seconds at a time (memory stays small for long files).
PREDICT_CHUNK_SECONDS = 30


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
    train = subparsers.add_parser("train", help="train an image or sound classifier from a folder of class folders")
    train.add_argument("--type", choices=["image", "audio"], default="image", help="project type (default image)")
    train.add_argument("--data", required=True, metavar="DIR",
                       help="one sub-folder of images (or sound files) per class; for sound, the background noise "
                            "class is the sub-folder named _background_noise_ or background")
    train.add_argument("--out", required=True, metavar="OUT", help="output folder: project.glimmer and export/")
    train.add_argument("--epochs", type=_number(int, 1), help="training epochs (default 50)")
    train.add_argument("--batch-size", type=_number(int, 1), help="batch size (default 16)")
    train.add_argument("--lr", type=_number(float, 0, low_inclusive=False), help="learning rate (default 0.001)")
    train.add_argument("--validation-fraction", type=_number(float, 0, high=0.9),
                       help="share of each class held out for validation (default 0.15)")
    train.add_argument("--seed", type=_number(int, 0), help="random seed (default 0)")
    train.add_argument("--window", type=_number(float, 0, low_inclusive=False), metavar="SECONDS",
                       help="sound: length of a sample (default 1.0)")
    train.add_argument("--overlap", type=_number(float, 0, high=1), metavar="FRACTION",
                       help="sound: how much consecutive windows of a file overlap (default 0.5)")
    train.add_argument("--export", metavar="FORMATS",
                       help="also export: comma-separated tfjs,keras,h5,tflite,tflite-int8,onnx")
    train.add_argument("--backend", help=backend_help)
    train.set_defaults(func=_guarded(_cmd_train))

    predict = subparsers.add_parser("predict", help="classify image or sound files; JSON lines on stdout")
    predict.add_argument("--model", required=True, metavar="OUT", help="a training output folder or a .glimmer file")
    predict.add_argument("inputs", nargs="+", metavar="FILE_OR_DIR",
                         help="images or sound files (as the project), or folders of them")
    predict.add_argument("--backend", help=backend_help)
    predict.set_defaults(func=_guarded(_cmd_predict))

    export = subparsers.add_parser("export", help="export a trained project as TF.js, Keras, HDF5, TFLite or ONNX files")
    export.add_argument("--model", required=True, metavar="OUT", help="a training output folder or a .glimmer file")
    export.add_argument("--format", required=True, metavar="FORMATS",
                        help="comma-separated: tfjs,keras,h5,tflite,tflite-int8,onnx")
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


def _report(history, samples="images"):
    """Final accuracy and the confusion matrix, as lines of text (`samples` names what was classified)."""
    matrix = history["confusion_matrix"]
    correct, total = sum(matrix[i][i] for i in range(len(matrix))), sum(map(sum, matrix))
    which = history["evaluated_on"]
    accuracy = correct / total if total else 0.0
    lines = [f"{which} accuracy: {accuracy:.3f} ({correct} of {total} {samples})"]
    if which == "training":
        lines.append(f"(no validation {samples}: every class needs at least two for a validation split)")
    lines.append(f"confusion matrix on the {which} {samples} (rows: true class, columns: predicted class):")
    lines.append(format_confusion(history["labels"], matrix))
    return lines, accuracy


def _samples_noun(project):
    return "clips" if project.kind == "audio" else "images"


def _train(project, write, embed_write):
    """Embed and train `project` with the real extractor, printing progress; returns (extractor, history)."""
    from .ml import extractor_for, train_project
    extractor = extractor_for(project)
    started = time.perf_counter()

    def embed_progress(done, total):
        embed_write(f"embedding {_samples_noun(project)}: {done}/{total}")

    history = train_project(project, extractor, callbacks=[_epoch_printer(project.settings.epochs, write)],
                            embed_progress=embed_progress)
    write(f"trained in {time.perf_counter() - started:.1f} s on {history['backend']}")
    return extractor, history


# --- train -------------------------------------------------------------------------------------------------
def _audio_dataset_project(data_dir, settings, window_seconds, overlap):
    """A new audio project with one class per sub-folder of `data_dir`, every sound file cut into windows; the
    background class is the folder BACKGROUND_FOLDER_NAMES names. Unreadable files are reported and skipped."""
    from .audio import cut_windows, load_audio
    from .capture import BACKGROUND_FOLDER_NAMES, audio_dataset_files, is_background_folder
    from .errors import AppError, AudioFileError
    from .ml import check_background
    from .project import Project
    classes, skipped = audio_dataset_files(data_dir)
    if len(classes) < 2:
        raise AppError(f"{data_dir}: found {len(classes)} class folder(s); training needs at least two sub-folders "
                       "of sound files, one per class")
    backgrounds = [name for name in classes if is_background_folder(name)]
    if len(backgrounds) != 1:
        problem = "no background noise folder" if not backgrounds else f"{len(backgrounds)} background noise folders"
        raise AppError(f"{data_dir}: {problem}; name the one class folder of background noise "
                       f"{' or '.join(BACKGROUND_FOLDER_NAMES)}")
    # File by file, so that a large data set never sits in memory at once (import_audio_dataset would hold it).
    try:
        project = Project(os.path.basename(os.path.abspath(data_dir)) or "project", kind="audio",
                          window_seconds=window_seconds, overlap=overlap, starter_classes=False)
    except ValueError as exc:
        raise AppError(f"--window {window_seconds:g} --overlap {overlap:g}: {exc}") from exc
    total = sum(len(paths) for paths in classes.values())
    _log(f"reading {total} sound files in {len(classes)} classes from {data_dir}")
    project.settings = settings
    for name, paths in classes.items():
        info = project.add_class(name, background=is_background_folder(name))
        for path in paths:
            try:
                windows = cut_windows(load_audio(path), project.window_seconds, project.overlap)
            except AudioFileError as exc:
                skipped.append((path, exc.reason))
                continue
            hop = project.window_seconds * (1 - project.overlap)
            for index, window in enumerate(windows):
                project.add_sample(info.id, window, source=f"file:{os.path.relpath(path, data_dir)}@{index * hop:g}s")
    for path, reason in skipped:
        _log(f"skipped {path}: {reason}")
    empty = [info.name for info in project.classes if not info.sample_ids]
    if empty:
        raise AppError(f"{data_dir}: no readable sound files in class folder(s) {', '.join(empty)}")
    check_background(project)
    return project


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


def _export_project(project, extractor, formats, dest):
    from .ml import calibration_inputs, export, project_classifier
    background = project.background_class() if project.kind == "audio" else None
    return export(project_classifier(project, extractor), formats, dest, model_name=project.name,
                  background_label=background.name if background is not None else None,
                  representative_data=lambda: calibration_inputs(project))


def _cmd_train(args):
    from .audio import DEFAULT_OVERLAP, DEFAULT_WINDOW_SECONDS
    from .errors import AppError
    from .ml import parse_formats
    from .project import TrainingSettings, save_project
    formats = parse_formats(args.export) if args.export else []
    defaults = TrainingSettings()
    settings = TrainingSettings(
        epochs=args.epochs or defaults.epochs, batch_size=args.batch_size or defaults.batch_size,
        learning_rate=args.lr or defaults.learning_rate, seed=args.seed if args.seed is not None else defaults.seed,
        validation_fraction=(args.validation_fraction if args.validation_fraction is not None
                             else defaults.validation_fraction))
    if args.type != "audio" and (args.window is not None or args.overlap is not None):
        raise AppError("--window and --overlap are for sound (--type audio)")
    _use_backend(args.backend)
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    if args.type == "audio":
        project = _audio_dataset_project(
            args.data, settings, DEFAULT_WINDOW_SECONDS if args.window is None else args.window,
            DEFAULT_OVERLAP if args.overlap is None else args.overlap)
    else:
        project = _dataset_project(args.data, settings)
    extractor, history = _train(project, _log, _log)
    lines, _accuracy = _report(history, _samples_noun(project))
    path = save_project(project, os.path.join(out, PROJECT_FILE))
    lines.append(f"project: {path}")
    if formats:
        written = _export_project(project, extractor, formats, os.path.join(out, "export"))
        lines += [f"export: {p}" for p in written]
    print("\n".join(lines), flush=True)
    return 0


# --- predict -------------------------------------------------------------------------------------------
def _expand_inputs(inputs, kind="image"):
    """[(path, None) | (path, reason)] in the order given; folders become their image (or sound) files."""
    from .capture import audio_files, image_files
    find, what = (audio_files, "sound") if kind == "audio" else (image_files, "image")
    entries = []
    for item in inputs:
        files, missing = find([item])
        entries += [(path, None) for path in files] + [(path, reason) for path, reason in missing]
        if os.path.isdir(item) and not files:
            entries.append((item, f"no {what} files in this folder"))
    return entries


def _scored(result, labels, row):
    import numpy as np
    best = int(np.argmax(row))
    result.update(label=labels[best], confidence=round(float(row[best]), 6),
                  scores={label: round(float(p), 6) for label, p in zip(labels, row)})
    return result


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
            yield _scored(result, classifier.labels, next(scores)) if "error" not in result else result


def _audio_predict_lines(classifier, entries, window_seconds, overlap):
    """JSON-ready dicts: per sound file one per window ("window": [start_s, end_s]) and then one for the whole
    file ("window": None, the mean of the windows' scores); one {"file", "error"} per unreadable entry."""
    import numpy as np
    from .audio import SAMPLE_RATE, load_audio
    from .errors import AudioFileError
    from .ml import SlidingWindowListener
    listener = SlidingWindowListener(classifier, window_seconds, window_seconds * (1 - overlap))
    chunk = PREDICT_CHUNK_SECONDS * SAMPLE_RATE
    for path, reason in entries:
        if reason is None:
            try:
                signal = load_audio(path)
            except AudioFileError as exc:
                reason = exc.reason
        if reason is not None:
            yield {"file": path, "error": reason}
            continue
        listener.reset()
        rows = []
        for start in range(0, len(signal), chunk):
            for begin, end, scores in listener.push(signal[start:start + chunk]) + (
                    listener.finish() if start + chunk >= len(signal) else []):
                row = [scores[label] for label in classifier.labels]
                rows.append(row)
                yield _scored({"file": path, "window": [round(begin, 3), round(end, 3)]}, classifier.labels, row)
        yield _scored({"file": path, "window": None}, classifier.labels, np.mean(rows, axis=0))


def _cmd_predict(args):
    from .ml import extractor_for, project_classifier
    from .project import load_project
    results_out = sys.stdout
    failed = 0
    # Only JSON lines reach stdout: anything else printed meanwhile (engine notices, warnings) goes to stderr.
    with contextlib.redirect_stdout(sys.stderr):
        _use_backend(args.backend)
        project = load_project(_project_path(args.model))
        classifier = project_classifier(project, extractor_for(project))
        entries = _expand_inputs(args.inputs, project.kind)
        lines = (_audio_predict_lines(classifier, entries, project.window_seconds, project.overlap)
                 if project.kind == "audio" else _predict_lines(classifier, entries))
        for result in lines:
            failed += "error" in result
            results_out.write(json.dumps(result) + "\n")
            results_out.flush()
    if failed:
        _log(f"{failed} file(s) could not be read")
    return EXIT_FAILED if failed else 0


# --- export ----------------------------------------------------------------------------------------------
def _cmd_export(args):
    from .ml import extractor_for, parse_formats
    from .project import load_project
    formats = parse_formats(args.format)
    _use_backend(args.backend)
    path = _project_path(args.model)
    project = load_project(path)
    dest = args.dest or (os.path.join(args.model, "export") if os.path.isdir(args.model)
                         else os.path.join(os.path.dirname(path), "export"))
    written = _export_project(project, extractor_for(project), formats, dest)
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
