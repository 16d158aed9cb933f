"""Exceptions raised by the grid domain rules.

Each carries a stable reason `code`, a human `detail` and, where one input is to blame, the
`field` it names; the service layer maps the classes to problem documents, the domain never
knows about HTTP.
"""


class GridRuleError(Exception):
    """Base of every grid domain error."""

    code = "grid_rule_error"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class InvalidPolicy(GridRuleError):
    """A grid policy file is malformed or inconsistent."""

    code = "policy_invalid"


class InvalidInput(GridRuleError):
    """An input to a rule is out of its range (a naive time, an empty seed, a bad period)."""

    code = "invalid_input"


class PoolCannotStaff(GridRuleError):
    """The inspector pool has too few inspectors free of conflicts to staff a spot check."""

    code = "inspector_pool_too_small"


class DatumMismatch(GridRuleError):
    """Two points in different coordinate systems (WGS-84, GCJ-02) cannot be compared."""

    code = "datum_mismatch"


class ChecklistInvalid(GridRuleError):
    """A record's checklist answers do not match the template version it pins."""

    code = "checklist_invalid"


class TemplateVersionImmutable(GridRuleError):
    """A published checklist template version cannot be changed."""

    code = "template_version_immutable"


class TooFewInspectors(GridRuleError):
    """An inspection has fewer distinct inspectors than its kind requires."""

    code = "too_few_inspectors"


class RecordImmutable(GridRuleError):
    """A signed or superseded inspection record cannot take this action."""

    code = "record_immutable"


class SubmissionConflict(GridRuleError):
    """A submission was built on an old version, or reuses a client id for other content."""

    code = "submission_conflict"
