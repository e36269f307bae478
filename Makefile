# Two commands for a newcomer: `make run` and `make test`. A fresh clone needs only Python 3.11.
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)

.PHONY: install run test test-fast lint format migrations messages clean

install: $(VENV)/.synced

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --python $(PYTHON) --quiet
	@touch $@

.env:
	@printf '# Local development settings (git-ignored). Real environment variables win.\nDEBUG=1\n' > .env

run: install .env
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	@echo
	@echo "  Passerelle: http://127.0.0.1:$(PORT)/   (Ctrl-C stops the web server, worker and beat)"
	@echo
	SITE_URL=http://127.0.0.1:$(PORT) $(VENV)/bin/honcho -f Procfile.dev start -p $(PORT)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: install
	$(PY) -m pytest -m "not e2e and not integration" $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports  # the layers of docs/architecture.md (pyproject.toml [tool.importlinter])
	DEBUG=1 $(MANAGE) makemigrations --check --dry-run  # development settings: no production secrets needed

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrations: install
	$(MANAGE) makemigrations

messages: install
	$(MANAGE) makemessages -l fr -l en --ignore=.venv --ignore=.tools

clean:
	rm -rf $(VENV) .tools var .pytest_cache .ruff_cache
