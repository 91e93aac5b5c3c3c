"""The command line: `info` and `demo` work on a machine with only the cpu backend."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_main(*args):
    env = {**os.environ, "XDG_DATA_HOME": "/tmp/glimmer-test-data"}
    return subprocess.run([sys.executable, os.path.join(ROOT, "main.py"), *args], capture_output=True, text=True,
                          env=env, timeout=300)


def test_info_lists_backends_and_folders():
    result = run_main("info")
    assert result.returncode == 0, result.stderr
    assert "Glimmer 0.1.0" in result.stdout
    assert "cpu" in result.stdout and "available" in result.stdout
    assert "data:  /tmp/glimmer-test-data/Glimmer" in result.stdout


def test_demo_trains_to_high_accuracy():
    result = run_main("demo", "--epochs", "150")
    assert result.returncode == 0, result.stderr
    final = result.stdout.strip().splitlines()[-1]
    assert final.startswith("done in") and float(final.split()[-1]) >= 0.95


def test_unknown_command_is_a_clean_error():
    result = run_main("frobnicate")
    assert result.returncode == 2 and "invalid choice" in result.stderr and "Traceback" not in result.stderr
