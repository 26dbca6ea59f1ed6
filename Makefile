# Two commands set everything up on a fresh machine: `make demo` and `make test`.
# Both create .venv/ (if missing) and install clotlib editable with its dependencies first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.clotlib-installed
OUT ?= demo_out

.PHONY: install demo test export readme clean docs docs-test lab lab-test

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

# the docs site, offline: nbdev's page processing of every notebook (nbdev_proc_nbs into _proc/, run by
# tools/proc_docs.py as the site build runs it, installing nothing), rendered with nbconvert into _docs/
# with the sidebar of nbs/sidebar.yml (open _docs/index.html); the published site is built by
# nbdev_docs + Quarto in .github/workflows/deploy.yaml
docs: $(STAMP)
	$(BIN)/python tools/render_docs.py --process

# the rendered site in headless Chromium: title, sidebar links, the figures and tables of tools/docs_checks.json,
# screenshots in _docs/screenshots/ (renders _proc/ first; skips with a message where chromium is absent, outside CI)
docs-test: $(STAMP)
	$(BIN)/python tools/browser_check.py --render

# JupyterLab on nbs/ with the `clotlib` kernel (this .venv); options: make lab LAB_ARGS='--no-browser --port 8899'
lab: $(STAMP)
	$(BIN)/python tools/lab.py $(LAB_ARGS)

# JupyterLab headless on localhost: its API answers, a notebook reruns through its kernel and through nbconvert
lab-test: $(STAMP)
	$(BIN)/python tools/lab_check.py

clean:
	rm -rf $(OUT) _docs _proc
