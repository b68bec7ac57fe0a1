"""A file with the notebook's name that is valid JSON but not a notebook (the student saved
the course's settings file under the notebook's name).

Nothing to run: every autograded task gets 0; the notes say it cannot be read as a notebook.
"""

from __future__ import annotations

import json

from ._build import NOTEBOOK
from .corrupt_notebook import EXPECTED as ALL_ZERO


def build(dest):
    (dest / NOTEBOOK).write_text(json.dumps({"theme": "dark", "cells": "all of them"}))


EXPECTED = dict(ALL_ZERO)
FLAG = None
NOTE = "cannot be read"
