# `make run` and `make test` are the only commands a new user types: each builds .venv when missing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: run test test-fast dev sql bench clean

$(VENV)/bin/uv:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip uv

$(RUN_STAMP): pyproject.toml | $(VENV)/bin/uv
	$(VENV)/bin/uv pip install --quiet --python $(PY) -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(VENV)/bin/uv
	$(VENV)/bin/uv pip install --quiet --python $(PY) -e '.[dev]'
	touch $@ $(RUN_STAMP)

INSTANCE_CONFIG := $(DAGSTER_HOME)/dagster.yaml

# The local instance: SQLite storage in DAGSTER_HOME, telemetry off, one `spotify_api` slot.
# Written once; edit it there (it is never overwritten).
$(INSTANCE_CONFIG):
	mkdir -p $(@D)
	cp scripts/dagster.yaml $@

## Materialize every recorded sample week in one run and print a summary.
run: $(RUN_STAMP) | $(INSTANCE_CONFIG)
	$(PY) -m spotify_assets.cli.run

## The whole test suite (what CI runs).
test: $(DEV_STAMP) | $(INSTANCE_CONFIG)
	$(PY) -m pytest

# The slow tiers (markers in pyproject.toml): the browser, `dagster dev`, PostgreSQL and
# multi-second subprocess tests.
SLOW_TIERS := browser or dagster_dev or postgres or subprocess

## The inner loop: the suite without the slow tiers, on every core. Under a minute on 2 cores.
test-fast: $(DEV_STAMP) | $(INSTANCE_CONFIG)
	$(PY) -m pytest -m "not ($(SLOW_TIERS))" -n auto

## The Dagster UI (webserver + daemon) on http://127.0.0.1:3000; runs, backfills and schedule
## state persist in DAGSTER_HOME. Same code location as `dagster dev` alone (pyproject.toml).
dev: $(RUN_STAMP) | $(INSTANCE_CONFIG)
	$(VENV)/bin/dagster dev -w workspace.yaml -h 127.0.0.1 -p $${PORT:-3000}

## Benchmarks (issue 7): prints one table, also written to bench/out/table.md. A few minutes.
bench: $(DEV_STAMP)
	$(PY) -m bench.run

## SQL on the local DuckDB catalog: make sql Q="select ..." or Q=top_artists; without Q, the list.
sql: $(RUN_STAMP)
	@if [ -n "$$Q" ]; then $(VENV)/bin/spotify-assets-sql "$$Q"; else $(VENV)/bin/spotify-assets-sql --list; fi

clean:
	rm -rf data .dagster_home
