# zhengwu — the two commands of the README are `make demo` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
ZW := $(VENV)/bin/zhengwu
HOST ?= 127.0.0.1
PORT ?= 8000
# PostgreSQL used by `make test` (second pass); pytest-django creates and drops test_<name> itself.
PG_URL ?= postgres://postgres@127.0.0.1:5432/zhengwu
export ZHENGWU_VAR_DIR ?= $(CURDIR)/var

.PHONY: demo test venv serve seed lint bench e2e clean

$(VENV)/.installed: pyproject.toml constraints.txt
	@py=$$(scripts/find-python) || exit 1; \
	  if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then \
	    echo "creating $(VENV) with $$py"; rm -rf $(VENV); $$py -m venv $(VENV) || exit 1; fi
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $@

venv: $(VENV)/.installed

demo: venv
	$(ZW) migrate --noinput
	$(ZW) seed_demo
	$(MAKE) --no-print-directory serve

# The task worker runs beside the web server (imports, long jobs); both stop on Ctrl-C.
serve: venv
	@$(ZW) demo_accounts --url http://$(HOST):$(PORT)/
	@echo "Serving http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	@trap 'kill 0' EXIT INT TERM; \
	  $(ZW) db_worker --no-startup-delay --no-reload >> $(ZHENGWU_VAR_DIR)/worker.log 2>&1 & \
	  $(ZW) runserver --noreload $(HOST):$(PORT)

lint: venv
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

test: venv lint
	ZHENGWU_TESTING=1 $(ZW) check --fail-level WARNING
	ZHENGWU_TESTING=1 $(ZW) makemigrations --check --dry-run
	@echo "== pytest on SQLite =="
	$(VENV)/bin/pytest -q
	@echo "== pytest on PostgreSQL ($(PG_URL)) =="
	ZHENGWU_DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest -q -m "not e2e"

e2e: venv
	$(VENV)/bin/pytest -q -m e2e

bench: venv
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) var
