# sparkgrade: `make verify` (build everything, grade references and stubs, print a table), `make test`.
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: setup verify test build bench clean

$(STAMP): pyproject.toml scripts/setup.sh
	bash scripts/setup.sh
	touch $(STAMP)

setup: $(STAMP)

verify: $(STAMP)
	$(VENV)/bin/sparkgrade build
	$(VENV)/bin/sparkgrade verify

build: $(STAMP)
	$(VENV)/bin/sparkgrade build

test: $(STAMP)
	$(VENV)/bin/python -m pytest

clean:
	rm -rf dist .cache
