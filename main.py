"""Glimmer: the desktop app by default, or a command-line sub-command.

    python main.py            the app (headless demo when there is no display)
    python main.py info       version, working backends, where data is kept
    python main.py demo       train a small model headless and print progress
    python main.py bench      print the engine benchmark tables
"""
import argparse
import os
import sys

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
    print(f"data:  {data_dir()}")
    print(f"cache: {cache_dir()}")
    return 0


def cmd_demo(args):
    from engine.demo import train_spirals
    train_spirals(epochs=args.epochs, log=print)
    return 0


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
        return cmd_demo(argparse.Namespace(epochs=200))
    print("The desktop window is not built yet (see the app issue); running the headless demo.", file=sys.stderr)
    return cmd_demo(argparse.Namespace(epochs=200))


def build_parser():
    parser = argparse.ArgumentParser(prog="glimmer", description="Train your own classifiers, offline.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("info", help="version, working backends and data folders").set_defaults(func=cmd_info)
    demo = sub.add_parser("demo", help="train a small model headless and print progress")
    demo.add_argument("--epochs", type=int, default=200)
    demo.set_defaults(func=cmd_demo)
    sub.add_parser("bench", help="print the engine benchmark tables").set_defaults(func=cmd_bench)
    parser.set_defaults(func=cmd_gui)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
