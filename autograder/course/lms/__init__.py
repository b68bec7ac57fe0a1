"""Grades into an LMS: ``python -m autograder export OUT --lms canvas --roster ROSTER.csv``
(Canvas's gradebook import) or ``--lms plain`` (a CSV for Moodle and Blackboard).

- ``roster``: the roster (Canvas's gradebook export, or a list of logins) and the id -> login
  mapping (``--map``);
- ``export``: the matching, ``OUT/canvas.csv`` or ``OUT/lms.csv``, and ``OUT/lms_unmatched.csv``
  (who is in only one of the lists, or not graded).
"""

from .export import LmsRequest, write_lms
from .roster import LmsError

__all__ = ["LmsError", "LmsRequest", "write_lms"]
