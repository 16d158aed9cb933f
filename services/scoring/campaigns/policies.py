"""A campaign's stored policy, parsed once per version."""

from __future__ import annotations

import json
from functools import lru_cache

from services.scoring.campaigns.models import Campaign
from services.scoring.domain.campaign_policy import CampaignPolicy, parse_campaign_policy


def policy_of(campaign: Campaign) -> CampaignPolicy:
    """The parsed policy of a campaign (cached per stored policy text)."""
    return _parse(json.dumps(campaign.policy, sort_keys=True))


@lru_cache(maxsize=256)
def _parse(frozen: str) -> CampaignPolicy:
    return parse_campaign_policy(json.loads(frozen))
