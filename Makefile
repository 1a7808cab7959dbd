# `make run` sets up a fresh machine and starts the app; `make test` sets up and runs the suite.
# Every step is idempotent: a second run installs and downloads nothing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed

.PHONY: run test setup models browser bench lint clean

run: setup models
	$(PY) app.py

test: setup models browser
	$(PY) -m pytest

setup: $(STAMP)

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

# Both models, verified by checksum; a file already there and intact is not fetched again.
models: setup
	$(PY) -m assistant models install

# Debian's Chromium for the browser tests (Playwright drives it; no browser download of its own).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core; }

bench: setup models
	$(PY) bench/speed.py
	$(PY) bench/cutout_quality.py
	$(PY) bench/lighting_quality.py
	$(PY) bench/checks_quality.py
	$(PY) bench/batch_speed.py
	$(PY) bench/mockup_speed.py

clean:
	rm -rf $(VENV) .pytest_cache
