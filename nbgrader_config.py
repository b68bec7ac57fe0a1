"""nbgrader configuration of the course: one assignment, ``batchnorm``.

Folders are the pipeline: ``solutions/`` (nbgrader's source) -> ``assignment/``
(nbgrader's release) -> submissions graded by ``autograder/``.
"""

c = get_config()  # noqa: F821  (nbgrader injects get_config)

c.CourseDirectory.course_id = "batchnorm-kit"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignment"

# Stubs name their task: raise NotImplementedError("<task>: ...").
c.GenerateAssignment.preprocessors = [
    "nbgrader.preprocessors.IncludeHeaderFooter",
    "nbgrader.preprocessors.InstantiateTests",
    "nbgrader.preprocessors.LockCells",
    "autograder.course.plugins.TaskStubs",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.CheckCellMetadata",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.SaveCells",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbgrader.preprocessors.ClearMarkScheme",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Autograde: the student's code never runs in a Jupyter kernel. HiddenChecks (instead of
# Execute) runs it in the sandbox and writes each check cell's verdict and score.
# No ClearOutput: the TA sees the student's own plots in the formgrader.
c.Autograde.sanitize_preprocessors = [
    "autograder.course.plugins.RepairMetadata",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Autograde.autograde_preprocessors = [
    "autograder.course.plugins.HiddenChecks",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# A deleted cell comes back from the gradebook instead of waiting for a manual grade forever.
c.OverwriteCells.add_missing_cells = True
