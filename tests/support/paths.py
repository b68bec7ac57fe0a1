"""The paths of the course's first assignment, batch norm, for the tests that are about it
(``conftest`` makes it the current assignment unless a test names another)."""

from __future__ import annotations

from autograder.layout import get

BATCHNORM = get("batchnorm")
ASSIGNMENT = BATCHNORM.name
NOTEBOOK = BATCHNORM.notebook
NOTEBOOK_ID = BATCHNORM.notebook_id
SOURCE_DIR = BATCHNORM.source_dir
RELEASE_DIR = BATCHNORM.release_dir
SOURCE_NOTEBOOK = BATCHNORM.source_notebook
RELEASE_NOTEBOOK = BATCHNORM.release_notebook
