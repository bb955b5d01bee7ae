# Minzheng — the two commands a newcomer needs: `make demo` and `make test`.
# Needs only Python 3.11+ and make; everything else is installed into .venv.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
DEMO_PASSWORD ?= Minzheng-Demo-2026
STAMP := $(VENV)/.installed

.PHONY: demo test test-browser bench lint format install migrate messages clean-db help

help:
	@echo "make demo   - install, migrate, load demo data, serve http://127.0.0.1:$(PORT)"
	@echo "make test   - the whole test suite (SQLite; set DATABASE_URL for PostgreSQL)"
	@echo "make bench  - every benchmark, results in bench/results/"
	@echo "make lint   - ruff and the migrations check"

$(STAMP): requirements.lock frontend/package-lock.json
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@command -v npm >/dev/null || { echo "npm is needed for the browser libraries (ECharts, jsQR): apt-get install npm"; exit 1; }
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	@touch $(STAMP)

install: $(STAMP)

messages: install
	$(PY) manage.py compilemessages --ignore=.venv >/dev/null

migrate: install messages
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py demo --password '$(DEMO_PASSWORD)'
	@echo ""
	@echo "Demo accounts (admin, leader, district_officer, guicheng_worker, jiujiang_worker, guiyuan_worker …)"
	@echo "password: $(DEMO_PASSWORD)"
	@echo "Staff: http://127.0.0.1:$(PORT)/staff/  Portal: http://127.0.0.1:$(PORT)/portal/  API docs: http://127.0.0.1:$(PORT)/api/docs/"
	DEBUG=$${DEBUG:-0} $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install messages
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install messages
	$(PY) bench/run_all.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
