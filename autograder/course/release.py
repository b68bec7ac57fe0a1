"""nbgrader's ``release_feedback`` for feedback that the kit wrote private.

nbgrader's exchange keeps released feedback in ``<exchange>/<course>/feedback/``, a folder other
users can pass through but not list (0711), each page named by a hash of the student's
submission secret: a student finds their own page by its name, and nobody else's. Stock
``release_feedback`` copies each page with ``shutil.copy``, i.e. with the mode of the page in
the course; the kit writes those pages readable by the grader only (0600, ``autograder.access``),
and a copy with that mode is one its student cannot fetch. This one gives each page it releases
the mode stock nbgrader's pages have under the usual umask, 0644, once it is in the exchange.

It also finds each assignment's feedback where the kit wrote it: a course grades each assignment
into a folder of its own (``python -m autograder grade . --out graded/<assignment>``), and
``{assignment}`` in ``CourseDirectory.feedback_directory`` stands for the assignment released.
``make course`` (``scripts/course.py``) configures both::

    c.CourseDirectory.feedback_directory = "graded/{assignment}/course/feedback"
    c.ExchangeFactory.release_feedback = "autograder.course.release.ReleaseFeedback"
"""

from __future__ import annotations

import glob
import os
import stat

from nbgrader.exchange.default.release_feedback import ExchangeReleaseFeedback

RELEASED_MODE = 0o644
"""A released page: readable by the student who knows its name (the folder is not listable)."""


class ReleaseFeedback(ExchangeReleaseFeedback):
    def init_src(self) -> None:
        folder = self.coursedir.feedback_directory
        if "{assignment}" in folder:
            assignment = self.coursedir.assignment_id
            self.coursedir.feedback_directory = folder.replace("{assignment}", assignment)
        super().init_src()

    def copy_files(self) -> None:
        super().copy_files()
        for page in glob.glob(os.path.join(glob.escape(self.dest_path), "*.html")):
            st = os.lstat(page)
            if stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid():
                os.chmod(page, RELEASED_MODE)
