# gridgov: `make up` runs everything, `make test` checks everything. Both set up what is missing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
MACHINE_PG ?= postgresql://postgres@127.0.0.1:5432/postgres
PYTEST_WORKERS ?= 2
# promtool (the alert-rule tests) comes from Debian's prometheus package: only promtool is used.
APT_INSTALL := DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends >/dev/null 2>&1

.PHONY: install up test lint unit integration e2e test-machine-pg bench docs clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)
	@command -v promtool >/dev/null || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
		{ $(APT_INSTALL) prometheus || { apt-get update -qq >/dev/null && $(APT_INSTALL) prometheus; }; }; } || \
		echo "promtool missing: run 'apt-get install prometheus' as root (the alert-rule tests need it)"

## Run the whole system: embedded PostgreSQL and broker, four services, demo data.
up: install
	$(BIN)/gridgov up

## Lint, types, then every test on the embedded PostgreSQL and on the machine's PostgreSQL.
test: install lint
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile
	$(MAKE) --no-print-directory test-machine-pg

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy libs services tests
	$(BIN)/lint-imports --no-logo
	$(BIN)/python -m libs.common.events.docs --check
	$(BIN)/python -m services.access_doc --check

# The database-backed tests again, on the server at 127.0.0.1:5432 (CI always has it).
test-machine-pg: install
	@if $(BIN)/python -c "import asyncio, asyncpg; asyncio.run(asyncpg.connect('$(MACHINE_PG)', timeout=3))" 2>/dev/null; then \
		GRIDGOV_TEST_DATABASE_URL=$(MACHINE_PG) $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile tests/integration tests/e2e; \
	elif [ -n "$$CI" ]; then echo "PostgreSQL at $(MACHINE_PG) is not reachable" >&2; exit 1; \
	else echo "skipping the run on $(MACHINE_PG): not reachable"; fi

unit: install
	$(BIN)/pytest -n $(PYTEST_WORKERS) tests/unit

integration: install
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile tests/integration

e2e: install
	$(BIN)/pytest tests/e2e

## Every benchmark at the sizes of the targets (about 25 minutes); figures go to docs/benchmarks.md.
bench: install
	$(BIN)/python -m bench.enrollment_webhook --payers 20000 --seconds 15 --rate 100 300 500 --max-payments 20000
	$(BIN)/python -m bench.enrollment_file --rows 50000 --bad 0.01
	$(BIN)/python -m bench.payment_to_ranking --rate 100 --seconds 20 --payers 12000
	$(BIN)/python -m bench.payment_to_ranking --rate 300 --seconds 20 --payers 12000
	$(BIN)/python -m bench.payment_to_ranking --rate 500 --seconds 20 --payers 20000
	$(BIN)/python -m bench.scoring_ranking --units 5000 --requests 2000
	$(BIN)/python -m bench.scoring_credit --entities 200000
	$(BIN)/python -m bench.scoring_rebuild --events 1000000 --units 5000

docs: install
	$(BIN)/python -m libs.common.events.docs

clean:
	rm -rf var/test-pg .pytest_cache .mypy_cache .ruff_cache
