# Two commands set everything up on a fresh machine: `make demo` and `make test`.
# Both create .venv/ (if missing) and install clotlib editable with its dependencies first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.clotlib-installed
OUT ?= demo_out

.PHONY: install demo test export readme clean

$(STAMP): settings.ini setup.py
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -U pip wheel 'setuptools<82'
	$(BIN)/python -m pip install -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/clotlib demo --out $(OUT)

test: $(STAMP)
	$(BIN)/python tools/run_tests.py

# after editing notebooks: write modules, clean notebooks, regenerate README.md
export: $(STAMP)
	$(BIN)/nbdev_export && $(BIN)/nbdev_clean && $(BIN)/python tools/readme.py

readme: $(STAMP)
	$(BIN)/python tools/readme.py

clean:
	rm -rf $(OUT) _docs _proc
