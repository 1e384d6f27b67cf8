# Parley. `make serve` and `make test` are all a new machine needs: both install what they use.
# The distribution's optimised CPython build when it has one (scripts/python.sh says why).
PYTHON ?= $(shell bash scripts/python.sh)
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 4000
CONFIG ?=

.PHONY: install generate check-generated serve test lint contract bench postgres redis chromium screenshots clean

install: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "parley: installing into $(VENV). The first time, pip compiles llama.cpp (the embedded model's"
	@echo "parley: runtime) from source: about 4-7 minutes on 2 cores, with no output while it builds."
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@echo "parley: installed."
	touch $@

generate: install
	bash scripts/generate.sh

check-generated: install
	bash scripts/check_generated.sh

serve: install
	$(VENV)/bin/parley --port $(PORT) $(if $(CONFIG),--config $(CONFIG))

postgres:
	bash scripts/postgres.sh install

chromium:
	bash scripts/chromium.sh

# Refresh docs/*.png (the /docs and /admin pages as the browser tests see them).
screenshots: install chromium
	PARLEY_SCREENSHOTS=docs $(PY) -m pytest -q -p no:cacheprovider tests/test_browser.py

redis:
	bash scripts/redis.sh install

lint: install
	$(VENV)/bin/ruff check parley handlers scripts tests
	$(VENV)/bin/ruff format --check parley handlers scripts tests
	$(PY) scripts/typecheck.py

test: install postgres redis chromium check-generated lint
	$(PY) -m pytest -q -p no:cacheprovider

contract: install
	$(PY) scripts/contract $(if $(URL),--base-url $(URL)) $(if $(KEY),--api-key $(KEY)) $(if $(MODEL),--model $(MODEL))

bench: install
	command -v wrk >/dev/null || bash scripts/apt_install.sh wrk
	$(PY) scripts/bench.py
	bash scripts/redis.sh install
	$(PY) scripts/bench_fleet.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache parley.db*
