"""A campaign's stored policy, parsed once per version."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from services.scoring.campaigns.models import Campaign
from services.scoring.domain.campaign_policy import CampaignPolicy, parse_campaign_policy


def policy_of(campaign: Campaign) -> CampaignPolicy:
    """The parsed policy of a campaign (cached per stored policy text)."""
    return parse_stored(campaign.policy)


def parse_stored(policy: dict[str, Any]) -> CampaignPolicy:
    """A stored policy document, parsed (cached per text)."""
    return _parse(json.dumps(policy, sort_keys=True))


@lru_cache(maxsize=256)
def _parse(frozen: str) -> CampaignPolicy:
    return parse_campaign_policy(json.loads(frozen))
