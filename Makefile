# The two README commands: `make run` starts the whole system, `make test` installs and runs every test.
# Both create .venv and install the pinned dependencies on first use.

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

export PYTHONPATH := $(CURDIR)

.PHONY: run test bench topology migrate token demo clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade 'pip<26' 'setuptools<81'
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) bench/kernel.py

clean:
	rm -rf $(VENV) .pytest_cache
