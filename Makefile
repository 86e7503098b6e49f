# imtfp: `make run` regenerates every output on the demo data; `make test` runs the suite.
# Both create .venv with the system Python and install the pinned project first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORES ?= all
STAMP := $(VENV)/.installed

.PHONY: run test demo report lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/snakemake --cores $(CORES)

report: run
	$(BIN)/snakemake --report report.html

test: $(STAMP)
	$(BIN)/pytest

demo: $(STAMP)
	$(BIN)/python -m imtfp.demo data/raw/demo --config config.yaml

lint: $(STAMP)
	$(BIN)/snakemake --lint

clean:
	rm -rf data/derived logs .snakemake report.html
