"""The course's deadlines: due dates, the late policy, extensions and late days.

This package is the one home of the policy. One file the course edits, ``deadlines.toml``
beside ``nbgrader_config.py`` (``course.py`` finds it; ``policy.py`` reads and checks it;
``deadlines.example.toml`` is a commented example), the arithmetic of lateness
(``lateness.py``) and its words (``words.py``), none of which needs nbgrader or a gradebook.
The kit applies it through nbgrader's own ``AssignLatePenalties``
(``autograder/course/lateplugin.py``), so that ``nbgrader autograde``, the formgrader and
``nbgrader export`` take off what the kit's ``grades.csv`` does; the Gradescope zip applies it
to Gradescope's submission time (``autograder/gradescope/late.py``).

The order in which the parts apply, for one student and one assignment:

1. The submission time: nbgrader's exchange's ``timestamp.txt``, as nbgrader records it in the
   gradebook (naive UTC), or Gradescope's ``created_at``. None: no penalty, and a flag for
   staff.
2. The due date: the assignment's (``[assignments.NAME] due``); a student's extension
   (``[extensions.STUDENT] NAME``) replaces it with a later one. No due date: never late.
3. Late days (tokens), in the order of the assignments' due dates: each waives 24 hours of
   lateness; an assignment spends the fewest that give the lowest penalty, and none when they
   would not lower it.
4. The grace period: what is left, if no more than ``grace_minutes``, is on time; beyond it,
   lateness counts from the due date.
5. Later than ``zero_after_days``: the score is 0. Else each started day (or hour) late costs
   ``penalty_percent`` of the score (or ``penalty_points``), at most ``max_penalty_*``
   (``count = "prorated"``: a fraction of a period costs that fraction).
6. The penalty in points, rounded half up to 2 decimals, is never more than the score: a total
   is never below 0.
"""

from .lateness import Late, decide
from .policy import Policy, PolicyError, load, parse

__all__ = ["Late", "Policy", "PolicyError", "decide", "load", "parse"]
