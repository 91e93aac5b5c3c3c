"""Glimmer: the desktop app by default, or a command-line sub-command.

    python main.py            the app (headless demo when there is no display)
    python main.py info       version, working backends, microphones, where data is kept
    python main.py demo       train the bundled sample project headless and print the results
    python main.py train      train an image or sound classifier from a folder of class folders (--type audio)
    python main.py predict    classify image files (one JSON line per file) or sound files (one per window, then
                              one per file)
    python main.py export     export a trained project (TF.js, Keras, HDF5)
    python main.py bench      print the engine benchmark tables
    python main.py --self-test   a quick headless check that this installation works (prints OK)
"""
import os
import sys

# The app runs its own threads (window, embedding, training, preview) beside numpy's BLAS, whose
# worker threads spin while waiting: on a 2-core machine under load, training a head took 56 s with
# OpenBLAS's default 2 threads and 3.8 s with 1, and the preview ran at 5 fps instead of 17
# (bench/app.py, 2026-11-26). Half the cores, set before numpy loads; a user's own setting wins.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, str(max(1, (os.cpu_count() or 2) // 2)))
del _variable

APP_NAME = "Glimmer"


def data_dir():
    import platformdirs
    return platformdirs.user_data_dir(APP_NAME, appauthor=False)


def cache_dir():
    import platformdirs
    return platformdirs.user_cache_dir(APP_NAME, appauthor=False)


def cmd_info(args):
    import engine as tf
    print(f"Glimmer {tf.__version__} (Python {sys.version.split()[0]})")
    print(f"current backend: {tf.get_backend()}")
    print("backends:")
    for name, info in tf.backends().items():
        if info["available"]:
            details = ", ".join(f"{k}: {v}" for k, v in info.items() if k != "available")
            print(f"  {name:<12} available   {details}")
        else:
            print(f"  {name:<12} unavailable {info['reason']}")
    _print_microphones()
    print(f"data:  {data_dir()}")
    print(f"cache: {cache_dir()}")
    return 0


def _print_microphones():
    from app.capture import list_microphones
    from app.errors import MicrophoneError
    try:
        microphones = list_microphones()
    except MicrophoneError as exc:
        print(f"microphones: unavailable: {exc}")
        return
    if not microphones:
        print("microphones: none found (sound files and the synthetic microphone still work)")
        return
    print("microphones:")
    for index, name in microphones:
        print(f"  {index:<3} {name}")


def cmd_bench(args):
    """The cpu op table, then the GL table (against PyTorch CUDA on an NVIDIA GPU, numpy elsewhere)."""
    import runpy
    here = os.path.dirname(os.path.abspath(__file__))
    saved = sys.argv
    try:
        for script in ("ops.py", "gl.py"):
            sys.argv = [script]
            runpy.run_path(os.path.join(here, "bench", script), run_name="__main__")
    finally:
        sys.argv = saved
    return 0


def cmd_gui(args):
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or sys.platform in ("win32", "darwin")):
        print("No display found: running the headless demo instead of the window.", file=sys.stderr)
        demo_args = build_parser().parse_args(["demo"])
        return demo_args.func(demo_args)
    from app.ui import run_app
    return run_app(args)


def cmd_self_test(args):
    from app.self_test import run_self_test
    return run_self_test()


def build_parser():
    from app.cli import OneLineParser, add_commands
    parser = OneLineParser(prog="glimmer", description="Train your own classifiers, offline.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("info", help="version, working backends, microphones and data folders").set_defaults(func=cmd_info)
    add_commands(sub)
    sub.add_parser("bench", help="print the engine benchmark tables").set_defaults(func=cmd_bench)
    parser.add_argument("--self-test", dest="func", action="store_const", const=cmd_self_test,
                        help="check headless that this installation works: prints OK, or why not")
    parser.set_defaults(func=cmd_gui)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
