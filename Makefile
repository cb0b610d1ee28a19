# The two commands: `make run` (the whole system, demo data included) and `make test`.
.PHONY: run test venv lint clean-data audit

VENV := .venv
STAMP := $(VENV)/.installed

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(VENV)/bin/python || $$(scripts/find-python) -m venv $(VENV)
	$(VENV)/bin/pip install --disable-pip-version-check -q -r requirements-dev.txt
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/python scripts/launch.py

test: $(STAMP)
	scripts/test

# Beside a running `make run`: messages at Shopee (or the simulator) that are not stored.
audit: $(STAMP)
	$(VENV)/bin/python scripts/launch.py audit

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/lint-imports

# Stops the embedded servers and deletes their data (demo rows, tokens, queued tasks); refused
# while `make run` is using them.
clean-data: $(STAMP)
	$(VENV)/bin/python -m shopee_cs.embedded stop --refuse-while-run-holds
	rm -rf .data
