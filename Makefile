# Two commands: `make run` serves the portal with embedded defaults, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint bench worker beat browsers clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_reference_data
	$(PY) manage.py setup_roles
	$(PY) manage.py load_demo_data
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

# The main suite, then the tests that flush the database (real Celery worker, browser),
# in a second run so that their flushes do not touch the first run's data.
# With DATABASE_URL set (CI: PostgreSQL), the main suite also runs on SQLite, the embedded default,
# so that both databases prove the same rules: beside the worker and browser tests (another
# database and media folder; those tests mostly wait on Chromium and the worker), its output
# printed when both are done, and the target fails if either does.
test: $(STAMP) lint
	$(PY) -m pytest -m "not worker and not browser" $(PYTEST_ARGS)
ifneq ($(DATABASE_URL),)
	@env -u DATABASE_URL -u REDIS_URL -u WORKER_REDIS_URL AMO_TEST_MEDIA_ROOT=$(CURDIR)/.test-media-sqlite \
		$(PY) -m pytest -m "not worker and not browser" -p no:cacheprovider $(PYTEST_ARGS) \
		> .test-sqlite.log 2>&1 & sqlite=$$!; \
	echo "pytest on SQLite runs beside the worker and browser tests (.test-sqlite.log)"; \
	$(PY) -m pytest -m "worker or browser" $(PYTEST_ARGS); browser=$$?; \
	wait $$sqlite; sqlite_rc=$$?; \
	echo "=== the main suite on SQLite ==="; cat .test-sqlite.log; \
	test $$browser -eq 0 && test $$sqlite_rc -eq 0
else
	$(PY) -m pytest -m "worker or browser" $(PYTEST_ARGS)
endif

bench: $(STAMP)
	$(PY) bench/run.py $(BENCH_ARGS)

# One worker for both queues here; docker-compose gives the status emails a worker of their own.
worker: $(STAMP)
	$(VENV)/bin/celery -A amo_portal worker -Q celery,notifications --loglevel=INFO --concurrency=2

beat: $(STAMP)
	$(VENV)/bin/celery -A amo_portal beat --loglevel=INFO

clean:
	rm -rf $(VENV) db.sqlite3 media .test-media .test-media-sqlite staticfiles
