"""nbgrader's generate_assignment (``make release``): the kit's preprocessors, named in
``nbgrader_config.py``'s ``GenerateAssignment.preprocessors``."""

import re

from nbgrader import utils
from nbgrader.preprocessors import ClearSolutions, NbGraderPreprocessor
from traitlets import Bool, Unicode


def task_of(cell):
    """The task id of an answer cell: its grade_id without the ``_answer`` suffix."""
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
    return grade_id.removesuffix("_answer")


class TaskStubs(ClearSolutions):
    """nbgrader's ClearSolutions, with a stub that names the cell's task.

    Every ``### BEGIN SOLUTION`` region of an answer cell becomes
    ``raise NotImplementedError("<task>: ...")`` so that a student who runs a
    check before writing the code reads which task is missing.
    """

    stub_template = (
        "# YOUR CODE HERE\n"
        'raise NotImplementedError("{task}: not implemented yet; write it where this cell says '
        'YOUR CODE HERE")'
    )

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type != "code" or not utils.is_solution(cell):
            return super().preprocess_cell(cell, resources, cell_index)
        language = resources["language"]
        generic = self.code_stub[language]
        self.code_stub = {**self.code_stub, language: self.stub_template.format(task=task_of(cell))}
        try:
            return super().preprocess_cell(cell, resources, cell_index)
        finally:
            self.code_stub = {**self.code_stub, language: generic}


class HelpersDigest(NbGraderPreprocessor):
    """generate_assignment: the SHA-256 of the helpers' archive into the helpers cell's
    ``HELPERS_SHA256 = "..."`` line, before nbgrader computes the locked cell's checksum."""

    enabled = Bool(True)
    sha256 = Unicode("", help="The SHA-256 of the release's helpers archive.").tag(config=True)

    def preprocess_cell(self, cell, resources, cell_index):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if cell.cell_type == "code" and grade_id == "helpers" and self.sha256:
            cell.source = re.sub(
                r'(?m)^HELPERS_SHA256 = "[0-9a-f]*"', f'HELPERS_SHA256 = "{self.sha256}"',
                cell.source,
            )  # fmt: skip
        return cell, resources
