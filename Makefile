# `make run` sets up a fresh machine and starts the app; `make test` sets up and runs the suite.
# Every step is idempotent: a second run installs and downloads nothing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed

.PHONY: run test setup models browser bench clean

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

# Debian's Chromium for the browser tests (Playwright drives it; no browser download of its own),
# and Poppler's pdftoppm, the independent rasteriser the label's print PDF is checked against.
browser:
	@command -v chromium >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core poppler-utils; }

# rembg's CLI (`rembg p`, the batch baseline) needs its "cli" extra. It goes into a folder of
# its own, not .venv, so the app and the suite never run with packages they do not pin.
REMBG_CLI := .bench/rembg-cli
$(REMBG_CLI)/.installed:
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --target $(REMBG_CLI) \
	  aiohttp==3.14.5 aiohappyeyeballs==2.7.1 aiosignal==1.4.0 frozenlist==1.8.0 multidict==7.2.1 \
	  propcache==0.5.4 yarl==1.25.1 asyncer==0.0.12 sniffio==1.3.1 filetype==1.2.0 watchdog==6.0.0
	touch $@

bench: setup models $(REMBG_CLI)/.installed
	$(PY) bench/speed.py
	$(PY) bench/cold_start.py
	$(PY) bench/cutout_quality.py
	$(PY) bench/lighting_quality.py
	$(PY) bench/checks_quality.py
	REMBG_CLI_PATH=$(REMBG_CLI) $(PY) bench/batch_speed.py
	$(PY) bench/mockup_speed.py

clean:
	rm -rf $(VENV) .pytest_cache
