"""The identity categories (身份类别) a person can carry, which subsidy rules name.

A tag decides who pays a person's premium, so a misspelt one would silently cost the
person their subsidy: every tag a person, a quote, a roster line or a policy names must be
one of these. A region's new category is one more line here (with its source).
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import AfterValidator

IDENTITY_TAGS: dict[str, str] = {
    # Resident medical, variant A (000:L282–L290, L304)
    "poverty_registered": "建档立卡脱贫人口",
    "poverty_monitored": "防返贫监测对象",
    "dibao": "低保对象",
    "tekun": "特困人员",
    "orphan": "孤儿",
    "unsupported_child": "事实无人抚养儿童",
    "child_in_difficulty": "重点困境儿童",
    "one_daughter_family": "农村独女户家庭",
    "two_daughter_family": "农村双女户家庭",
    "only_child_lost_family": "独生子女伤亡病残家庭",
    "severe_disability": "重度残疾人",
    "entitled_care": "抚恤定补优抚对象",
    # Resident medical, variant B (000:L433–L461)
    "sanwu": "城镇三无人员",
    "wubao": "农村五保对象",
    "disability_grade_1": "一级残疾人",
    "disability_grade_2": "二级残疾人",
    "disability_grade_3": "三级残疾人",
    "disability_grade_4": "四级残疾人",
    "key_entitled_care": "重点优抚对象",
    "heroic_dependant": "见义勇为牺牲人员直系供养亲属",
    "family_planning_special_support": "计生特别扶助对象",
    "land_requisitioned": "被征地农转非人员",
    "low_income_family": "城乡低收入家庭成员",
}


def unknown_tags(tags: Iterable[str]) -> list[str]:
    """The tags among `tags` that are not identity categories, in order."""
    return [tag for tag in tags if tag not in IDENTITY_TAGS]


def check_tag(tag: str) -> str:
    """A known identity tag, or a ValueError naming the known ones (for pydantic)."""
    if tag not in IDENTITY_TAGS:
        raise ValueError(f"{tag!r} is not an identity tag; known: {', '.join(IDENTITY_TAGS)}")
    return tag


IdentityTag = AfterValidator(check_tag)
"""Annotate a `str` with this to accept only identity tags."""
