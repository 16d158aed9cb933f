"""Annual credit grades from the 0–1000 comprehensive score, exactly as 001:L24 sets them."""

from decimal import Decimal
from enum import StrEnum

from .errors import ScoreOutOfRange

MIN_SCORE = Decimal(0)
MAX_SCORE = Decimal(1000)


class CreditGrade(StrEnum):
    """The five annual credit grades (市场主体年度信用等级)."""

    EXCELLENT = "excellent"
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"
    BAD = "bad"

    @property
    def label_zh(self) -> str:
        """The grade's name in the source documents."""
        return _LABELS_ZH[self]


_LABELS_ZH = {
    CreditGrade.EXCELLENT: "优秀",
    CreditGrade.GOOD: "良好",
    CreditGrade.FAIR: "一般",
    CreditGrade.POOR: "较差",
    CreditGrade.BAD: "差",
}

# Lower bounds are inclusive: 650 is excellent, 649.99 is good (001:L24).
GRADE_FLOORS: tuple[tuple[Decimal, CreditGrade], ...] = (
    (Decimal(650), CreditGrade.EXCELLENT),
    (Decimal(550), CreditGrade.GOOD),
    (Decimal(450), CreditGrade.FAIR),
    (Decimal(350), CreditGrade.POOR),
)


def ensure_score_in_range(score: Decimal) -> Decimal:
    """Return `score` if it is a finite Decimal within 0–1000, else raise ScoreOutOfRange."""
    if not isinstance(score, Decimal | int) or isinstance(score, bool):
        raise ScoreOutOfRange(f"credit score must be a Decimal, got {type(score).__name__}")
    score = Decimal(score)
    if not score.is_finite() or not MIN_SCORE <= score <= MAX_SCORE:
        raise ScoreOutOfRange(f"credit score {score} is outside {MIN_SCORE}–{MAX_SCORE}")
    return score


def grade_for(score: Decimal) -> CreditGrade:
    """Grade a 0–1000 comprehensive credit score."""
    score = ensure_score_in_range(score)
    for floor, grade in GRADE_FLOORS:
        if score >= floor:
            return grade
    return CreditGrade.BAD
