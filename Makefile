# Two commands for a fresh Debian/Ubuntu machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
NODE_CHECK := tests/node
# Headless GL (Mesa llvmpipe through EGL), Xvfb for the window, PortAudio for sound.
SYSTEM_PACKAGES := python3-venv libegl1 libegl-mesa0 libgl1-mesa-dri libopengl0 libgl1 libglx-mesa0 \
	xvfb xauth libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 \
	libfontconfig1 libdbus-1-3 libglib2.0-0 fonts-dejavu-core libportaudio2 glslang-tools

.PHONY: run test system node bench package clean

run: $(VENV)/.installed
	$(PY) main.py

# The suite, then the packaged app is built and started once (its --self-test), as the release would be.
test: $(VENV)/.installed-test $(NODE_CHECK)/node_modules/.installed
	$(PY) -m pytest -q -n 2 --dist loadfile
	$(MAKE) package

bench: $(VENV)/.installed-test
	$(PY) main.py bench

# The one-folder app in dist/glimmer/ (start it with dist/glimmer/glimmer), checked by its own --self-test.
package: $(VENV)/.installed-package
	$(PY) -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller \
		packaging/glimmer.spec
	dist/glimmer/glimmer --self-test

system:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null; then echo "Install these system packages first: $$missing"; exit 1; fi; \
	if [ "$$(id -u)" != 0 ]; then echo "Run as root first:  apt-get install -y $$missing"; exit 1; fi; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing

# The TF.js interop tests run the real @tensorflow/tfjs in Node.js (tests/node): any Node.js with npm,
# else Debian's.
node:
	@if command -v node >/dev/null && command -v npm >/dev/null; then exit 0; fi; \
	if ! command -v apt-get >/dev/null; then echo "Install Node.js and npm first"; exit 1; fi; \
	if [ "$$(id -u)" != 0 ]; then echo "Run as root first:  apt-get install -y nodejs npm"; exit 1; fi; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm

$(NODE_CHECK)/node_modules/.installed: $(NODE_CHECK)/package-lock.json | node
	cd $(NODE_CHECK) && npm ci --no-audit --no-fund
	touch $@

$(VENV)/.created: | system
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.created
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.created
	$(PY) -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-package: pyproject.toml $(VENV)/.created
	$(PY) -m pip install -q -e '.[package]'
	touch $@ $(VENV)/.installed

clean:
	rm -rf $(VENV) build dist *.egg-info $(NODE_CHECK)/node_modules
