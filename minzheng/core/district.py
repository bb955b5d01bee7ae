"""The district this installation serves: its code and its bureau's name, from settings.

Every app asks here instead of writing 440605 or 佛山市南海区民政局: another district is a
change of settings (MINZHENG_DISTRICT_CODE, MINZHENG_BUREAU_NAME, MINZHENG_REVIEW_BODY) and
reference data.
"""

from __future__ import annotations

from django.conf import settings

from .models import LEVEL_DIGITS


def district_code() -> str:
    """The district's 12-digit code (440605000000 for Nanhai)."""
    return settings.MINZHENG_DISTRICT_CODE


def district_prefix() -> str:
    """The district's code prefix (440605): every division of the district starts with it."""
    return district_code()[: LEVEL_DIGITS["district"]]


def bureau_name() -> str:
    """The bureau's full name, as documents sign it (佛山市南海区民政局)."""
    return settings.MINZHENG_BUREAU_NAME


def review_body() -> str:
    """Where a citizen applies for administrative review of the bureau's decisions: the
    district's people's government (行政复议法 2023, art. 24: a county-level government
    reviews the decisions of its departments)."""
    return settings.MINZHENG_REVIEW_BODY
