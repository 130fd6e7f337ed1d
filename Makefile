# Two entry points: `make run` (demo site on http://127.0.0.1:8000) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP_INSTALL := $(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes
# pytest-xdist workers; one per core by default
TEST_WORKERS ?= auto

.PHONY: run test audit e2e-assets lint format migrate demo bench bench-pipeline bench-load requirements messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.base-installed: requirements/base.txt | $(BIN)/python
	$(PIP_INSTALL) -r requirements/base.txt
	touch $@

$(VENV)/.dev-installed: requirements/dev.txt | $(BIN)/python
	$(PIP_INSTALL) -r requirements/dev.txt
	touch $@ $(VENV)/.base-installed

migrate: $(VENV)/.base-installed
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py setup_demo

run: demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	env -u DATABASE_URL $(BIN)/python manage.py makemigrations --check --dry-run

test: lint e2e-assets
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

# Known vulnerabilities in the pinned requirements (pip-audit; says plainly which packages it
# could not check when the vulnerability service is unreachable; AUDIT_REQUIRE_SERVICE=1 makes
# that a failure) and high-severity findings in our code (bandit, configured in pyproject.toml).
audit: $(VENV)/.dev-installed
	$(BIN)/python scripts/dependency_audit.py requirements/base.txt requirements/dev.txt
	$(BIN)/bandit -q -c pyproject.toml -r readiness submissions reviews --severity-level high

# axe-core for the browser tests' accessibility checks, from the npm registry. Without npm
# (or Chromium) the browser tests skip with the reason; CI installs both.
AXE_VERSION := 4.14.1
e2e-assets:
	@if [ ! -f .cache/axe-core/axe.min.js ] && command -v npm >/dev/null 2>&1; then \
		mkdir -p .cache && cd .cache && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null \
		&& tar xzf axe-core-$(AXE_VERSION).tgz && rm -rf axe-core && mv package axe-core \
		|| echo "axe-core could not be fetched: the accessibility checks will skip"; \
	fi

# Benchmarks (figures recorded in docs/performance.md); never timed assertions in tests.
bench: $(VENV)/.base-installed
	$(BIN)/python bench/grading.py --repeat 50

# Needs the local PostgreSQL and Redis; creates and drops its own database.
bench-pipeline: $(VENV)/.base-installed
	$(BIN)/python bench/pipeline.py --repeat 30 --approvals 200 --burst 1000

# Needs the local PostgreSQL and Redis and wrk; creates and drops its own database
# (readiness_load): demo data behind gunicorn, pages beside a minimal view, 200 uploads at once.
bench-load: $(VENV)/.base-installed
	$(BIN)/python bench/load.py

format: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Regenerate the hash-pinned requirement files after editing requirements/*.in (needs uv).
requirements:
	uv pip compile --python-version 3.11 --generate-hashes --no-header --quiet \
		requirements/base.in -o requirements/base.txt
	uv pip compile --python-version 3.11 --generate-hashes --no-header --quiet \
		requirements/dev.in -o requirements/dev.txt

# Recompile the translations after editing locale/*/LC_MESSAGES/django.po.
messages: $(VENV)/.dev-installed
	$(BIN)/python manage.py makemessages --locale zh_Hans --no-obsolete \
		--ignore '.venv/*' --ignore '.cache/*' --ignore 'tests/*' --ignore 'scripts/*' --ignore 'bench/*'
	$(BIN)/python manage.py compilemessages --ignore '.venv/*' --ignore '.cache/*'

clean:
	rm -rf $(VENV) staticfiles
