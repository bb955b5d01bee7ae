import re

import pytest
from django.core.cache import cache

from minzheng.core.sms import MemoryBackend


@pytest.fixture(autouse=True)
def _clean_outbox_and_cache():
    # The outbox is a class attribute and the local-memory cache outlives a test;
    # both would leak messages and rate-limit counters between tests.
    MemoryBackend.outbox.clear()
    cache.clear()
    yield
    MemoryBackend.outbox.clear()
    cache.clear()


@pytest.fixture
def last_code():
    """The code in the latest SMS of the outbox."""

    def read() -> str:
        assert MemoryBackend.outbox, "no SMS was sent"
        match = re.search(r"验证码是 (\d{6})", MemoryBackend.outbox[-1][1])
        assert match, MemoryBackend.outbox[-1][1]
        return match.group(1)

    return read
