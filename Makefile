# The kit's chores. Every target bootstraps .venv from the locks first.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# The three layers (requirements/*.in), each locked with its hashes (requirements/*.txt):
# what students run, what grading imports, everything else. make's .venv has all three.
LAYERS := students grading dev
LOCKS := $(foreach layer,$(LAYERS),requirements/$(layer).txt)
# nbgrader shells out to alembic: the venv's scripts come first on PATH.
export PATH := $(BIN):$(PATH)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: lock demo test test-fast test-browser realcode release course lint format bench-notebook bench-grading stress doctor cifar10 clean

# Every package from the locks, hash-checked, and nothing else (--no-deps: a lock is already
# whole, and pip then never resolves an extra to a version the lock does not name, as pip 23
# does); then the kit itself, editable (an editable install cannot be hash-checked: it adds
# no package, and builds with the locked setuptools).
$(VENV)/.installed: $(LOCKS) pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps $(addprefix -r ,$(LOCKS))
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

## lock: write requirements/{students,grading,dev}.txt from the .in files (uv; every package
## pinned with its hashes, for Python >= 3.11.0 on any OS); a lock keeps its versions unless
## its .in asks for others (UPGRADE=1 takes the newest each .in admits)
lock: $(VENV)/.installed
	cd requirements && for layer in $(LAYERS); do \
	    $(BIN)/uv pip compile --quiet --universal --generate-hashes --python-version 3.11 \
	        $(if $(UPGRADE),--upgrade) --custom-compile-command "make lock" \
	        -o $$layer.txt $$layer.in || exit 1; \
	done

## demo: grade example submissions (reference, blank release, typical mistakes) into demo-out/
demo: $(VENV)/.installed
	$(BIN)/python -m autograder demo --out demo-out

## test: the whole test suite, its files shared out among pytest processes, three for every two
## cores (a third of the suite's time waits on time limits, servers and the browser); a file
## stays in one process: its module fixtures, such as a graded batch, are made once
TEST_PROCESSES ?= $(shell n=$$(nproc 2>/dev/null || echo 2); echo $$(( (3 * n + 1) / 2 )))
test: $(VENV)/.installed
	$(BIN)/python -m pytest -n $(TEST_PROCESSES) --dist loadfile

## test-fast: the unit layer (no sandbox, no nbgrader, no notebook run): well under 30 s
test-fast: $(VENV)/.installed
	$(BIN)/python -m pytest tests/unit -q

## test-browser: the browser tests only (JupyterLab in Debian's chromium)
test-browser: $(VENV)/.installed
	$(BIN)/python -m pytest tests/browser

## release: regenerate assignment/ from solutions/ (nbgrader generate_assignment)
release: $(VENV)/.installed
	$(BIN)/python -m autograder release

## course: a course on nbgrader's exchange in course/ (instructor's config, local exchange)
course: $(VENV)/.installed
	$(BIN)/python scripts/course.py course

## lint: ruff (lint and format) and the type check of autograder/
lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench-notebook: end-to-end execution time of each assignment's reference notebook (targets:
## batch norm <= 60 s, dropout <= 15 s)
bench-notebook: $(VENV)/.installed
	for notebook in solutions/*/*.ipynb; do $(BIN)/python -m autograder execute $$notebook || exit 1; done

## bench-grading: the kit against stock nbgrader on 30 full submissions of batch norm (their
## times, the ratio, seconds per submission); then the kit alone on a class of 100; each run's
## numbers, with the host's load, also into docs/measurements.md's bench-grading table
bench-grading: $(VENV)/.installed
	$(BIN)/python -m autograder bench --assignment batchnorm --students 30 \
	    --measurements docs/measurements.md
	$(BIN)/python -m autograder bench --assignment batchnorm --students 100 --no-stock \
	    --measurements docs/measurements.md

## stress: the grader on a busy or faulty host at class size (100 students); prints
## graded / not graded / wrong per scenario (a measurement, not a test)
stress: $(VENV)/.installed
	PYTHONPATH=tests $(BIN)/python scripts/stress.py --students 100

## doctor: what this host guarantees when it grades (exit 1 if a guarantee is missing)
doctor: $(VENV)/.installed
	$(BIN)/python -m autograder doctor

## realcode: real students' code (tests/realcode): every verdict holds and the kit grades by it;
## the students' files are not in the repository (tests/realcode/README.md says how to restore
## them), and this fails without them
realcode: $(VENV)/.installed
	PYTHONPATH=tests $(BIN)/python -m pytest tests/realcode/corpus_check.py -q

## cifar10: fetch CIFAR-10 into data/ (checksum verified); notebooks then use it
cifar10: $(VENV)/.installed
	cd assignment/batchnorm && $(BIN)/python -m cs231n.datasets cifar10

clean:
	rm -rf $(VENV) demo-out course .pytest_cache
