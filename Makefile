# The single entry point: `make run` (server + demo data) and `make test` (whole suite on PostgreSQL).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench venv system-deps test-system-deps worker beat clean covers fuzz

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	@touch $@

venv: $(STAMP)

# The server needs only fpcalc; the browser test (make test) also needs Chromium + chromedriver.
system-deps:
	@scripts/system-deps.sh

test-system-deps:
	@scripts/system-deps.sh --browser

run: venv system-deps
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_periodic_tasks
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

test: venv test-system-deps
	@scripts/ensure-postgres.sh
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: venv
	@scripts/ensure-postgres.sh
	@scripts/system-deps.sh --bench
	@set -e; for script in bench/[!_]*.py; do echo "== $$script"; $(PY) $$script; done

worker: venv
	$(VENV)/bin/celery -A beatpass worker -l info

beat: venv
	$(VENV)/bin/celery -A beatpass beat -l info --scheduler django_celery_beat.schedulers:DatabaseScheduler

clean:
	rm -rf $(VENV) .test-media

# Cover art: the contact sheet of every shipped template (look at it after changing one) and
# the placeholder image shown for tracks and albums without a cover.
covers: venv
	$(PY) -m coverart.contact_sheet docs/coverart-contact-sheet.png \
		--placeholder coverart/static/coverart/placeholder.png

# The long fuzz run: schemathesis against the app's own OpenAPI document, in-process, with a
# fixed seed, as anonymous and as a producer (FUZZ_EXAMPLES per operation: 2 x 146 x 40 is
# about 11,700 requests). `make test` runs the same test with 2 examples per operation.
# FUZZ_SEED=n draws other inputs (empty: the suite's fixed seed).
FUZZ_EXAMPLES ?= 40
FUZZ_SEED ?=
fuzz: venv
	@scripts/ensure-postgres.sh
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_SEED=$(FUZZ_SEED) $(VENV)/bin/pytest beatpass/api/tests/test_fuzz.py -s -p no:logging
