# imtfp: `make run` regenerates every output on the demo data; `make test` runs the suite.
# Both create .venv with the system Python and install the pinned project first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORES ?= all
STAMP := $(VENV)/.installed

REAL_DATA ?= ../shared/data

.PHONY: run test test-fast real real-doc demo report export lint clean fuzz docs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Resumes unattended after an interrupted run (kill -9, power loss): a stale lock is removed only when
# no Snakemake process of this folder is alive, half-written outputs are rebuilt (--rerun-incomplete),
# and jobs die with their run (imtfp.supervise). CONFIG=configs/x.yaml runs another config (from
# `imtfp init`: its run_name puts every output under runs/<run_name>/).
CONFIG ?=
SNAKEMAKE_CONFIG = $(if $(CONFIG),--configfile=$(CONFIG))

run: $(STAMP)
	$(BIN)/python -m imtfp.supervise -- $(BIN)/snakemake --cores $(CORES) --rerun-incomplete $(SNAKEMAKE_CONFIG)

report: run
	$(BIN)/snakemake --report report.html

# pytest-xdist spreads the test files over the cores (`-n auto`). --dist loadfile keeps each file on
# one worker: an e2e module copies the workflow once (a module fixture) and runs the DAG there test
# after test, so split over two workers it would run the pipeline twice. -ra lists skips and
# failures with their reasons, --durations the slowest tests. TEST_WORKERS=0: one process.
TEST_WORKERS ?= auto
PYTEST_PAR := -n $(TEST_WORKERS) --dist loadfile -ra --durations=15

test: $(STAMP)
	$(BIN)/pytest $(PYTEST_PAR)

# The quick tier: unit and reference tests, no pipeline runs (< 2 min on 2 cores).
test-fast: $(STAMP)
	$(BIN)/pytest $(PYTEST_PAR) -m "unit or reference" tests/unit tests/reference

# Seeded mutation fuzzing of every reader, judged by an oracle of its own (tests/unit/ingest/fuzzing.py):
# FUZZ_FILES mutated files, with the real files of REAL_DATA as further seeds when the folder exists.
# Prints the tallies per kind of file; fails unless uncaught, silent wrong and unaccounted are all 0.
FUZZ_FILES ?= 5000
fuzz: $(STAMP)
	$(BIN)/python -W ignore tests/unit/ingest/fuzzing.py --files $(FUZZ_FILES) --real $(REAL_DATA)

# The whole pipeline on the real statistics (configs/real_nbs.yaml). Its `run_name: real` puts every
# output, log and benchmark under runs/real/, apart from the demo's. REAL_DATA: folder of the real files.
real: $(STAMP)
	$(BIN)/python -m imtfp.supervise -- $(BIN)/snakemake --cores $(CORES) --rerun-incomplete \
		--configfile=configs/real_nbs.yaml --config data_root=$(abspath $(REAL_DATA))

# The numbers block of docs/real_data.md, rendered from the real run's stored outputs (imtfp.realdoc;
# tests/realdata/test_real_doc.py checks that the document matches them). Run after `make real`.
real-doc: $(STAMP)
	$(BIN)/python -m imtfp.realdoc runs/real/data/derived docs/real_data.md

# The analysis panel to Stata and Excel: data/derived/export/panel.{dta,xlsx} (CONFIG=x.yaml for
# another config; a config with run_name writes under runs/<run_name>/).
export: $(STAMP)
	$(BIN)/python -m imtfp.supervise -- $(BIN)/snakemake --cores $(CORES) --rerun-incomplete $(SNAKEMAKE_CONFIG) export_panel

demo: $(STAMP)
	$(BIN)/python -m imtfp.demo data/raw/demo --config config.yaml

# The style gate: ruff lint and format, snakefmt on the workflow, Snakemake's own linter.
lint: $(STAMP)
	$(BIN)/ruff check src tests workflow benchmarks
	$(BIN)/ruff format --check src tests workflow benchmarks
	$(BIN)/snakefmt --check workflow Snakefile
	$(BIN)/snakemake --lint

clean:
	rm -rf data/derived logs .snakemake report.html runs site

# The HTML documentation in site/: the narrative pages of docs/ and the API reference generated
# from the docstrings (mkdocs.yml). Installs the pinned `docs` extra; the build needs no network.
DOCS_STAMP := $(VENV)/.docs-installed

$(DOCS_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,docs]'
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	$(BIN)/mkdocs build --strict --site-dir site

# Benchmarks against the peers (pyfixest, wildboottest, linearmodels) in the same run; the `bench`
# extra pins pyfixest. Timings depend on the machine's load: see benchmarks/*.py docstrings.
# Every figure goes to benchmarks/results.json, and the tables of docs/performance.md and README.md
# are regenerated from it (also when a target is missed: the run's exit status is kept).
BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

.PHONY: bench demo-scale
bench: $(BENCH_STAMP)
	$(BIN)/pytest benchmarks --benchmark-only -s -p no:cacheprovider; status=$$?; \
		$(BIN)/python benchmarks/_results.py && exit $$status

# City- (300 × 20) and firm-sized (200,000 × 15) simulated panels through the estimate stage,
# with the time and peak memory of every stage (configs/scale/demo_scale.yaml).
demo-scale: $(STAMP)
	$(BIN)/python -m imtfp.demo_scale --config configs/scale/demo_scale.yaml
