# The kit's chores. Every target bootstraps .venv from the pins first.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# nbgrader shells out to alembic: the venv's scripts come first on PATH.
export PATH := $(BIN):$(PATH)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: demo test test-browser release course lint format bench-notebook bench-grading cifar10 clean

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	touch $@

## demo: grade example submissions (reference, blank release, typical mistakes) into demo-out/
demo: $(VENV)/.installed
	$(BIN)/python -m autograder demo --out demo-out

## test: the whole test suite
test: $(VENV)/.installed
	$(BIN)/python -m pytest

## test-browser: the browser tests only (JupyterLab in Debian's chromium)
test-browser: $(VENV)/.installed
	$(BIN)/python -m pytest tests/browser

## release: regenerate assignment/ from solutions/ (nbgrader generate_assignment)
release: $(VENV)/.installed
	$(BIN)/python -m autograder release

## course: a course on nbgrader's exchange in course/ (instructor's config, local exchange)
course: $(VENV)/.installed
	$(BIN)/python scripts/course.py course

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench-notebook: end-to-end execution time of the reference notebook (target <= 60 s)
bench-notebook: $(VENV)/.installed
	$(BIN)/python -m autograder execute solutions/batchnorm/BatchNormalization.ipynb

## bench-grading: seconds per submission for a batch of 30 full submissions
bench-grading: $(VENV)/.installed
	$(BIN)/python -m autograder bench --students 30

## cifar10: fetch CIFAR-10 into data/ (checksum verified); notebooks then use it
cifar10: $(VENV)/.installed
	cd assignment/batchnorm && $(BIN)/python -m cs231n.datasets cifar10

clean:
	rm -rf $(VENV) demo-out course .pytest_cache
