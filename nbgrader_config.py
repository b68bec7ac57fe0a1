"""nbgrader configuration of the course: one assignment, ``batchnorm``.

Folders are the pipeline: ``solutions/`` (nbgrader's source) -> ``assignment/``
(nbgrader's release) -> submissions graded by ``autograder/``.
"""

import os

import nbgrader.server_extensions.formgrader as _formgrader

import autograder.course

c = get_config()  # noqa: F821  (nbgrader injects get_config)

c.CourseDirectory.course_id = "batchnorm-kit"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignment"

# CheckCellMetadata: nbgrader's checks, with the JSON schema's validator built once.
# Stubs name their task: raise NotImplementedError("<task>: ...").
c.GenerateAssignment.preprocessors = [
    "nbgrader.preprocessors.IncludeHeaderFooter",
    "autograder.course.plugins.release.HelpersDigest",
    "nbgrader.preprocessors.InstantiateTests",
    "nbgrader.preprocessors.LockCells",
    "autograder.course.plugins.release.TaskStubs",
    "nbgrader.preprocessors.ClearOutput",
    "autograder.course.plugins.metadata.CheckCellMetadata",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.SaveCells",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbgrader.preprocessors.ClearMarkScheme",
    "nbgrader.preprocessors.ComputeChecksums",
    "autograder.course.plugins.metadata.CheckCellMetadata",
]

# Autograde: the student's code never runs in a Jupyter kernel. HiddenChecks (instead of
# Execute) runs it in the sandbox and writes each check cell's verdict and score.
# No ClearOutput: the TA sees the student's own plots in the formgrader.
c.Autograde.sanitize_preprocessors = [
    "autograder.course.plugins.autograde.RepairMetadata",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "autograder.course.plugins.autograde.OverwriteCells",  # nbgrader's, cells read at once
    "autograder.course.plugins.metadata.CheckCellMetadata",
]
# nbconvert validates the whole notebook against its JSON schema once all of an exporter's
# preprocessors have run, not after each of them as well (14 times a student in all)
c.Exporter.optimistic_validation = True
c.Autograde.autograde_preprocessors = [
    "autograder.course.plugins.autograde.HiddenChecks",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "autograder.course.plugins.autograde.SaveAutoGrades",  # nbgrader's, in one commit
    "autograder.course.lateplugin.RecordDeadline",
    "nbgrader.preprocessors.AssignLatePenalties",
    "autograder.course.plugins.metadata.CheckCellMetadata",
]
# Late work: the course's deadlines file (due dates, the late policy, extensions, late days;
# README, "Deadlines and late work"). RecordDeadline writes the due date and the student's
# extension into the gradebook; nbgrader's AssignLatePenalties takes the penalty from the kit's
# plugin. So nbgrader autograde, the formgrader and nbgrader export take off what the kit does.
c.AssignLatePenalties.plugin_class = "autograder.course.lateplugin.CourseLatePolicy"
c.CourseLatePolicy.policy_file = "deadlines.toml"  # relative to this folder
# A deleted cell comes back from the gradebook instead of waiting for a manual grade forever.
c.OverwriteCells.add_missing_cells = True

# Feedback pages: nbgrader's, where a written answer no TA has graded yet reads "not graded yet"
# (not "0.0 / 3.0"). The kit's "feedback" template (autograder/course/templates/feedback, a
# changed copy of nbgrader's) is found first; nbgrader's own templates stay reachable for the
# formgrader.
_NBGRADER = os.path.dirname(_formgrader.__file__)
c.GenerateFeedback.preprocessors = [
    "autograder.course.plugins.feedback.GetGradesTold",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
# nbgrader's exporter, with templates compiled once per batch and no re-parse of each page, and
# each cell's highlighted code and markdown rendered once per worker (the same cells on every page)
c.GenerateFeedback.exporter_class = "autograder.course.feedback_cache.CachedFeedbackExporter"
c.HTMLExporter.extra_template_basedirs = [
    os.path.join(os.path.dirname(autograder.course.__file__), "templates"),
    os.path.join(_NBGRADER, "templates"),
]
