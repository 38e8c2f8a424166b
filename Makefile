# `make run` and `make test` are the only commands a new user types: each builds .venv when missing,
# with exactly the versions of uv.lock.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

# uv, pinned, in a virtualenv of its own (`uv sync` keeps .venv to what the lock lists).
UV_VERSION := 0.13.9
UV := .tools/uv-$(UV_VERSION)/bin/uv
# Never download a Python: use $(PYTHON). Compile bytecode at install: where .pyc files cannot be
# written later (CI, containers, PYTHONDONTWRITEBYTECODE=1) every dagster process would otherwise
# recompile ~2,000 modules at start-up.
export UV_PYTHON_DOWNLOADS := never
UV_SYNC := $(UV) sync --locked --compile-bytecode --python $(PYTHON)

.PHONY: run test test-fast lint format lock dev sql bench clean

$(UV):
	$(PYTHON) -m venv .tools/uv-$(UV_VERSION)
	.tools/uv-$(UV_VERSION)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# --inexact: after `make test`, `make run` keeps the dev tools.
$(RUN_STAMP): pyproject.toml uv.lock | $(UV)
	$(UV_SYNC) --quiet --inexact
	touch $@

$(DEV_STAMP): pyproject.toml uv.lock | $(UV)
	$(UV_SYNC) --quiet --extra dev
	touch $@ $(RUN_STAMP)

## Refresh uv.lock after a change to pyproject.toml (UPGRADE=1: every package to its newest allowed
## version), and deploy/requirements.txt, what the image installs, from it.
lock: | $(UV)
	$(UV) lock --python $(PYTHON) $(if $(UPGRADE),--upgrade)
	$(UV) export --locked --quiet --no-dev --extra deploy --no-emit-project --python $(PYTHON) \
		--output-file deploy/requirements.txt

INSTANCE_CONFIG := $(DAGSTER_HOME)/dagster.yaml

# The local instance: SQLite storage in DAGSTER_HOME, telemetry off, one `spotify_api` slot.
# Written once; edit it there (it is never overwritten). Its SQLite databases (runs, event log,
# schedules) are created here, once: two runs started together on a fresh DAGSTER_HOME would
# otherwise both create the same schema, and one of them fails. Needs the venv (order-only: a newer
# install does not rewrite the file).
$(INSTANCE_CONFIG): | $(RUN_STAMP)
	mkdir -p $(@D)
	cp scripts/dagster.yaml $@
	$(VENV)/bin/dagster instance migrate >/dev/null || { rm -f $@; exit 1; }

## Materialize every recorded sample week in one run and print a summary.
run: $(RUN_STAMP) | $(INSTANCE_CONFIG)
	$(PY) -m spotify_assets.cli.run

## The whole test suite (what CI runs): the lint, the fast tier on every core, then the slow tiers
## one test at a time (they share one `dagster dev` and one PostgreSQL cluster).
test: lint test-fast
	$(PY) -m pytest -m "$(SLOW_TIERS)"

## ruff: the lint rules and the format of pyproject.toml, on the whole tree.
lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## Apply ruff's safe fixes and its format.
format: $(DEV_STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The slow tiers (markers in pyproject.toml): the browser, `dagster dev`, PostgreSQL and
# multi-second subprocess tests.
SLOW_TIERS := browser or dagster_dev or postgres or subprocess

## The inner loop: the suite without the slow tiers, on every core. About two minutes on 2 cores.
test-fast: $(DEV_STAMP) | $(INSTANCE_CONFIG)
	$(PY) -m pytest -m "not ($(SLOW_TIERS))" -n auto

## The Dagster UI (`dg dev`: webserver, daemon, code server) on http://127.0.0.1:3000 (PORT=...);
## runs, backfills and schedule state persist in DAGSTER_HOME. Ctrl-C or SIGTERM stops all three.
## Needs the dev extra: `dg` (dagster-dg-cli) is a development tool, not in the image.
dev: $(DEV_STAMP) | $(INSTANCE_CONFIG)
	$(PY) -m spotify_assets.cli.dev

## Benchmarks (docs/performance.md): prints one table, also written to bench/out/table.md. A few minutes.
bench: $(DEV_STAMP)
	$(PY) -m bench.run

## SQL on the local DuckDB catalog: make sql Q="select ..." or Q=top_artists; without Q, the list.
sql: $(RUN_STAMP)
	@if [ -n "$$Q" ]; then $(VENV)/bin/spotify-assets-sql "$$Q"; else $(VENV)/bin/spotify-assets-sql --list; fi

clean:
	rm -rf data .dagster_home
