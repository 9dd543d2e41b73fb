# Duban — two commands on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: run demo test system-deps install wheel-check bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $@

install: $(VENV)/.installed

run: install
	@echo "Duban: http://127.0.0.1:8000/  (API docs: http://127.0.0.1:8000/api/v1/docs; demo sign-ins: leader, office, clerk, finance.head, finance.staff1, ...)"
	$(BIN)/duban serve --demo --host 127.0.0.1 --port 8000

demo: install
	$(BIN)/duban demo

# the system's part first: Debian's chromium and a Chinese font (apt-get as root, else a clear message)
test: install system-deps
	$(BIN)/python -m pytest

system-deps:
	@bash .ci/system-deps

# `pip install .` (not editable) into a fresh temporary venv: `duban demo`, `duban validate` and `duban serve --demo`
# from the installed wheel and its shipped definitions
wheel-check:
	bash .ci/wheel-check

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) duban.db *.egg-info
