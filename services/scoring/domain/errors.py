"""Exceptions raised by the scoring domain rules.

Each carries a stable reason `code` and a human `detail`; the service layer maps the classes
to problem documents, the domain never knows about HTTP.
"""


class ScoringError(Exception):
    """Base of every scoring domain error."""

    code = "scoring_error"

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code


class InvalidPolicy(ScoringError):
    """A policy file or model is malformed or inconsistent."""

    code = "policy_invalid"


class ForbiddenMetric(InvalidPolicy):
    """A campaign tried to assess fine or confiscation revenue (罚没收入, 002:L423)."""

    code = "metric_forbidden"


class ScoreOutOfRange(ScoringError):
    """A credit score lies outside 0–1000 or is not a finite number."""

    code = "score_out_of_range"


class InvalidCreditInput(ScoringError):
    """Basic credit information is incomplete or out of its range."""

    code = "credit_input_invalid"


class InvalidProgress(ScoringError):
    """A progress value, task or phase cannot be scored."""

    code = "progress_invalid"


class InvalidCount(ScoringError):
    """A count of incidents or units is negative."""

    code = "count_invalid"


class UnknownStage(ScoringError):
    """Progress was given for a stage the formula does not define."""

    code = "stage_unknown"


class UnknownPool(ScoringError):
    """A unit belongs to a ranking pool the policy does not define."""

    code = "pool_unknown"


class DuplicateUnit(ScoringError):
    """The same unit appears twice in one ranking."""

    code = "unit_duplicate"


class InvalidSnapshotSeries(ScoringError):
    """Snapshots mix cadences or are not in strictly increasing time order."""

    code = "snapshot_series_invalid"


class NaiveDatetime(ScoringError):
    """A datetime without a time zone reached a rule that needs one."""

    code = "datetime_naive"
