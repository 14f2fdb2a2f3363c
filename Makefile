# The two README commands: `make run` starts the whole system, `make test` installs and runs every test.
# Both create .venv and install the pinned dependencies on first use. `make unit` runs only tests/unit: seconds,
# and neither RabbitMQ nor PostgreSQL need be running.

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

export PYTHONPATH := $(CURDIR)

.PHONY: run test unit bench token demo clean

GATEWAY_ADDRESS ?= 0.0.0.0:8000
export GATEWAY_ADDRESS

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade 'pip<26' 'setuptools<81'
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	@deploy/local/ensure-infra.sh
	@KONTAKT_ENV=development $(PY) -m deploy.local.prepare
	@echo ""
	@echo "Kontakt is starting. Gateway: http://localhost:$(lastword $(subst :, ,$(GATEWAY_ADDRESS)))"
	@echo "  API documentation:  http://localhost:$(lastword $(subst :, ,$(GATEWAY_ADDRESS)))/docs"
	@echo "  a token:            make token ROLE=recruiter MUNICIPALITY=0180 (a volunteer's: SUB=<applicant id>)"
	@echo "  sample data:        make demo (in another terminal)"
	@echo "Ctrl-C stops every process."
	@echo ""
	@KONTAKT_ENV=development PATH="$(CURDIR)/$(VENV)/bin:$$PATH" \
		$(VENV)/bin/honcho start -f deploy/local/Procfile -d $(CURDIR)

# make token ROLE=recruiter MUNICIPALITY=0180 [SUB=<user id>]: a token the local gateway accepts. A volunteer's
# token needs SUB=<their applicant id> (whose /api/v1/me/... it shows). More: .venv/bin/python -m gateway.token -h
ROLE ?= recruiter
MUNICIPALITY ?= 0180
SUB ?=
token: $(STAMP)
	@KONTAKT_ENV=development $(PY) -m gateway.token --role $(ROLE) --municipality $(MUNICIPALITY) $(if $(SUB),--sub $(SUB))

demo: $(STAMP)
	@KONTAKT_ENV=development $(PY) -m deploy.local.demo

test: $(STAMP)
	$(PY) -m pytest -q

unit: $(STAMP)
	$(PY) -m pytest -q tests/unit

# Benchmarks print each figure beside a ceiling measured in the same run; results go to bench/README.md.
bench: $(STAMP)
	$(PY) bench/kernel.py
	$(PY) bench/recruitment.py
	$(PY) bench/gateway.py
	$(PY) bench/matching.py
	$(PY) bench/payments.py

clean:
	rm -rf $(VENV) .pytest_cache
