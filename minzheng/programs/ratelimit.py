"""Rate limits of the programmes' public pages (core.ratelimit; settings.RATE_LIMITS may
override by name)."""

from __future__ import annotations

from minzheng.core.ratelimit import RateLimit

# The progress lookup pairs an application number with an ID number: 10 tries per client
# address in 10 minutes is plenty for a person and too few to try numbers in bulk.
PROGRESS_LOOKUP = RateLimit("programs.progress_lookup", rate="10/600s")
