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
    "autograder.nbgrader_plugins.TaskStubs",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.CheckCellMetadata",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.SaveCells",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbgrader.preprocessors.ClearMarkScheme",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.CheckCellMetadata",
]
