"""nbgrader's CheckCellMetadata, faster: the check every stage runs on the cells' nbgrader
metadata (generate_assignment, autograde's sanitize and autograde steps), with the JSON
schema's validator built once."""

import jsonschema
from nbgrader.nbgraderformat import MetadataValidator, ValidationError
from nbgrader.nbgraderformat.common import BaseMetadataValidator
from nbgrader.preprocessors import CheckCellMetadata as NbgraderCheckCellMetadata


class _CompiledSchema(BaseMetadataValidator):
    """nbgrader's per-cell schema check with the JSON schema's validator built once.

    ``jsonschema.validate`` checks the schema itself before every cell, which was a third of
    nbgrader's autograde time. Same schema, same best-matching error; other schema versions
    go to nbgrader's own check (and its errors).
    """

    _validators: dict = {}

    def validate_cell(self, cell) -> None:
        meta = cell.metadata.get("nbgrader")
        if meta is None or meta.get("schema_version", 0) != self.schema_version:
            super().validate_cell(cell)
            return
        validator = self._validators.get(self.schema_version)
        if validator is None:
            cls = jsonschema.validators.validator_for(self.schema)
            cls.check_schema(self.schema)
            validator = self._validators[self.schema_version] = cls(self.schema)
        error = jsonschema.exceptions.best_match(validator.iter_errors(meta))
        if error is not None:
            raise error


class _Validator(MetadataValidator, _CompiledSchema):
    """nbgrader's metadata validator (every check of its own), on :class:`_CompiledSchema`."""


class CheckCellMetadata(NbgraderCheckCellMetadata):
    """nbgrader's CheckCellMetadata with :class:`_Validator`."""

    def preprocess(self, nb, resources):
        try:
            _Validator().validate_nb(nb)
        except ValidationError:
            self.log.exception("Notebook failed to validate")
            raise ValidationError(
                "Notebook failed to validate; the nbgrader metadata may be corrupted."
            ) from None
        return nb, resources
