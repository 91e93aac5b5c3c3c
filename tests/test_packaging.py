"""Packaging: `main.py --self-test` (what a built bundle runs to prove itself) and the desktop entry.

Building the bundle itself takes a while (`make package`), so the suite checks its parts, not a build.
"""
import configparser
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGING = os.path.join(ROOT, "packaging")


def run_self_test(backend=None):
    environment = {name: value for name, value in os.environ.items() if name != "GLIMMER_BACKEND"}
    environment["XDG_DATA_HOME"] = "/tmp/glimmer-test-data"
    if backend:
        environment["GLIMMER_BACKEND"] = backend
    return subprocess.run([sys.executable, os.path.join(ROOT, "main.py"), "--self-test"], capture_output=True,
                          text=True, env=environment, timeout=120)


def test_self_test_passes_headless():
    result = run_self_test()
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "OK"
    assert any(line.startswith("engine ") and "cpu" in line for line in lines)
    assert any("EfficientNet-Lite0" in line and "1280 features" in line for line in lines)
    assert any("main window built offscreen" in line for line in lines)


def test_self_test_failure_is_one_line_and_non_zero():
    result = run_self_test(backend="no-such-backend")
    assert result.returncode != 0
    assert result.stderr.strip().startswith("glimmer self-test failed:") and "no-such-backend" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_desktop_entry_names_the_command_and_an_icon_that_ships():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(os.path.join(PACKAGING, "glimmer.desktop"), encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application" and section["Name"] == "Glimmer"
    assert section["Exec"].split()[0] == "glimmer" and section["Terminal"] == "false"
    assert os.path.isfile(os.path.join(PACKAGING, section["Icon"] + ".png"))
    assert os.path.isfile(os.path.join(PACKAGING, section["Icon"] + ".svg"))
