# Stancemark: `make run` to try it, `make test` to check it. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve test bench loadtest lint lint-js typecheck setup install install-test clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Stamp files: re-install only when pyproject.toml changes, so a second `make run` starts fast.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PIP) install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## Migrate, import seeds/, load the starter actors, create an admin if there is no user (idempotent).
setup: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py bootstrap seeds/ --host $(HOST) --port $(PORT)

run: setup
	$(PY) manage.py runserver $(HOST):$(PORT)

## Production-like: gunicorn, DEBUG off, static files via WhiteNoise (plain HTTP on localhost).
serve: setup
	@mkdir -p var
	@test -s var/secret_key || $(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key
	DJANGO_DEBUG=0 DJANGO_SECRET_KEY="$$(cat var/secret_key)" $(PY) manage.py collectstatic --no-input -v 0
	DJANGO_DEBUG=0 DJANGO_SECRET_KEY="$$(cat var/secret_key)" DJANGO_SECURE_SSL_REDIRECT=0 \
		DJANGO_SECURE_COOKIES=0 DJANGO_HSTS_SECONDS=0 \
		$(VENV)/bin/gunicorn project.wsgi --bind $(HOST):$(PORT) --workers 2 --access-logfile -

# The accessibility test injects axe-core from node_modules/: install it when it is missing or the
# lock file changed. Without npm the suite still runs; that one test then skips (fails on CI).
test: install-test
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory node_modules/.package-lock.json; \
	else echo "npm not found: the axe-core accessibility test will skip (and fail under CI=true)"; fi
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install-test
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

## mypy with django-stubs (settings in pyproject.toml: strict for spans, agreement, export).
typecheck: install-test
	$(VENV)/bin/mypy

# npm ci writes node_modules/.package-lock.json: re-install only when package-lock.json changes.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

## ESLint on annotate/static (needs Node.js and npm; the install is the only step that downloads).
lint-js: node_modules/.package-lock.json
	node_modules/.bin/eslint annotate/static

bench: install-test
	$(PY) bench/run.py $(BENCH_ARGS)

## Load test: 20 reviewers for 30 s over HTTP against gunicorn, then every write checked in the
## database (bench/load.py; a scratch SQLite file, or DATABASE_URL). LOADTEST_ARGS="--reviewers 5".
loadtest: install
	$(PY) bench/load.py $(LOADTEST_ARGS)

clean:
	rm -rf $(VENV) staticfiles var .pytest_cache .mypy_cache node_modules
