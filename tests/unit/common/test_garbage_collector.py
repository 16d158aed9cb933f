"""A service process settles its garbage collector once start-up is done."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from libs.common.app import YOUNG_COLLECTION_EVERY, settle_garbage_collector


@pytest.fixture
def collector() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("collector")
def test_start_up_objects_are_frozen_and_young_passes_are_rarer() -> None:
    gc.set_threshold(700, 10, 10)
    gc.unfreeze()
    survivor = {"built": "at start-up"}

    settle_garbage_collector()

    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (YOUNG_COLLECTION_EVERY, 10, 10)
    assert all(o is not survivor for o in gc.get_objects(generation=2))  # frozen: not walked
