# treadwatch: `make run` and `make test` set everything up (idempotently) and go.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TW := $(VENV)/bin/treadwatch
PORT ?= 8000
STAMP := $(VENV)/.installed-stamp

.PHONY: setup models browser broker deploy-tools aarch64-root test-aarch64 run test check lint format bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q --upgrade pip
	$(PY) -m pip install --disable-pip-version-check -q -e '.[dev]'
	@touch $(STAMP)

# Virtual environment + dependencies + verified models (no network once cached).
setup: $(STAMP) models

models: $(STAMP)
	$(TW) models fetch

# Headless Chromium for the page tests and poppler-utils for the PDF tests (Debian packages;
# needs root or sudo once).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing chromium (Debian package) for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@command -v pdftoppm >/dev/null 2>&1 || { \
	  echo "installing poppler-utils (Debian package) for the report PDF tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; }

# Mosquitto for the fleet tests (Debian package; the tests start their own on a free port).
broker:
	@command -v mosquitto >/dev/null 2>&1 || test -x /usr/sbin/mosquitto || { \
	  echo "installing mosquitto (Debian package) for the fleet tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto >/dev/null; }

# systemd-analyze and shellcheck for the checks in tests/deploy (Debian packages; root or
# sudo once).
deploy-tools:
	@command -v systemd-analyze >/dev/null 2>&1 || { \
	  echo "installing systemd (Debian package) for systemd-analyze verify"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null || \
	  echo "could not install systemd: the systemd-analyze test will skip"; }
	@command -v shellcheck >/dev/null 2>&1 || { \
	  echo "installing shellcheck (Debian package) for the installer script check"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null; }

# Debian bookworm arm64 python3.11 + aarch64 wheels, run under qemu-user (no binfmt), for the
# emulated ARM test; kept in the build cache (~/.cache/treadwatch/aarch64), not the repository.
aarch64-root: $(STAMP)
	PYTHON=$(PY) tests/aarch64/build_root.sh

test-aarch64: setup aarch64-root
	$(PY) -m pytest tests/aarch64 -s -p no:cacheprovider

run: setup
	$(TW) serve --source demo --port $(PORT)

test: setup browser broker deploy-tools aarch64-root
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy edge server models treadwatch

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check: setup browser broker deploy-tools aarch64-root lint
	$(PY) -m pytest

bench: setup
	$(PY) benchmarks/pose_speed.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
