# Every target creates .venv and installs what it needs, so `make run` and
# `make test` are the whole set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench screenshot model-screenshots package test-package clean

$(STAMP): pyproject.toml examples/random_walk_plugin/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,postgres]'
	$(PY) -m pip install --quiet --no-deps -e examples/random_walk_plugin  # the example model plug-in (tests use it)
	QT_QPA_PLATFORM=offscreen $(PY) -m farm_gui.warmup
	touch $(STAMP)

run: $(STAMP)
	$(PY) scripts/window_libs.py
	$(PY) main.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

test: lint
	scripts/test_tools.sh
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

bench: $(STAMP)
	$(PY) bench/engine.py
	@for b in store ui_latency live_buffer analysis reliability agentfarm test_timings models; do \
		if [ -f bench/$$b.py ]; then QT_QPA_PLATFORM=offscreen $(PY) bench/$$b.py || exit 1; fi; \
	done

screenshot: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) scripts/screenshot.py docs/screenshot.png

# docs/schelling.png, docs/boltzmann_wealth.png and docs/wolf_sheep.png (README, "Classic models")
model-screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) scripts/model_screenshots.py

# The packaged Linux build (PyInstaller, the `package` extra): dist/farm-gui-<version>-linux-<arch>.tar.gz,
# then the test that unpacks it into an empty folder and uses it (scripts/test_package.sh).
$(VENV)/.package-installed: $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,package]'
	touch $@

package: $(VENV)/.package-installed
	PY=$(PY) bash scripts/build_package.sh
	bash scripts/test_package.sh

test-package:
	bash scripts/test_package.sh

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build dist *.egg-info
