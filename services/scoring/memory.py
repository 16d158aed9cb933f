"""Bulk jobs (rebuild, rescoring everybody) create millions of short-lived objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Suspend the cyclic garbage collector: none of these objects is cyclic, and collecting
    young generations full of survivors would take as long as the job itself."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
