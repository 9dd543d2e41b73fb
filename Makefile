# Duban — two commands on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# the demo office's own database (`make run`), kept apart from ./duban.db so that `make reset-demo` never removes a
# real site's
DEMO_DB := duban-demo.db
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: run reset-demo demo test system-deps install wheel-check bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $@

install: $(VENV)/.installed

run: install
	@echo "Duban demo office: http://127.0.0.1:8000/  (API docs: http://127.0.0.1:8000/api/v1/docs)"
	@echo "  database $(CURDIR)/$(DEMO_DB): kept between runs; start the demo afresh with: make reset-demo"
	@echo "  every demo sign-in (login, role, name) and the password are printed below, under DEMO MODE"
	$(BIN)/duban serve --demo --db sqlite:///$(DEMO_DB) --host 127.0.0.1 --port 8000

# the demo office's database only (not the venv): the next `make run` seeds a fresh demo office for today
reset-demo:
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	@echo "demo database removed; make run starts a fresh demo office"

demo: install
	$(BIN)/duban demo

# the system's part first (.ci/system-deps): chromium, a Chinese font, slapd and ldap-utils, installed with apt-get
# as root; otherwise it stops here naming each missing package (DUBAN_SKIP_SYSTEM_DEPS=1 goes on without them)
# PYTEST_ARGS narrows the run, e.g. make test PYTEST_ARGS=tests/core
test: install system-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

system-deps:
	@bash .ci/system-deps

# `pip install .` (not editable) into a fresh temporary venv: `duban demo`, `duban validate` and `duban serve --demo`
# from the installed wheel and its shipped definitions
wheel-check:
	bash .ci/wheel-check

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) duban.db $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm *.egg-info
