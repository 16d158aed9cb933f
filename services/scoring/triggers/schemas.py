"""Response models of the trigger API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class TriggerRead(BaseModel):
    """A fired trigger and the actions it requires."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    campaign: str
    snapshot_id: uuid.UUID
    previous_snapshot_id: uuid.UUID | None
    unit_code: str
    pool: str
    kind: str
    rule: str
    actions: list[dict[str, Any]]
    text: str
    fired_at: datetime
