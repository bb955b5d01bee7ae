"""Data for bench/learning_tests.py: N party members of one branch with portal accounts and
API tokens, the demo question bank, and a monthly test of 20 random questions open now.
Prints one JSON line: the test id and the members' tokens."""

from __future__ import annotations

import datetime as dt
import json
import sys

import django

django.setup()

from django.utils import timezone  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from minzheng.core import roles  # noqa: E402
from minzheng.core.demo_accounts import ensure_account  # noqa: E402
from minzheng.core.services import divisions_ensure_nanhai  # noqa: E402
from minzheng.learning import demo, services  # noqa: E402
from minzheng.learning.tests import factories as f  # noqa: E402


def main(members: int, questions: int) -> None:
    divisions_ensure_nanhai()
    roles.sync_roles()
    services.parameters_ensure_defaults()
    officer = ensure_account(
        username="district_officer",
        display_name="区局科室",
        division="440605000000",
        role=roles.DISTRICT_OFFICER,
        password="Bench-Password-123",
    )
    branch = f.branch()
    users = [f.member(officer, branch, name=f"党员{i:03d}") for i in range(members)]
    demo._bank(officer)
    per_category = max(1, questions // 4)
    spec = [
        {"category": c, "difficulty": 1, "count": per_category}
        for c in sorted({q[0] for q in demo.QUESTIONS})
    ]
    for item in spec:  # the easy questions first, then medium ones
        item["count"] = min(item["count"], 3)
    spec += [
        {"category": s["category"], "difficulty": 2, "count": max(0, per_category - 3)}
        for s in spec
        if per_category > 3
    ]
    now = timezone.now()
    test = services.test_create(
        actor=officer,
        data=services.TestInput(
            title="基准测试每月一测",
            month=now.date(),
            mode="random",
            branch_ids=[branch.pk],
            time_limit_minutes=30,
            opens_at=now - dt.timedelta(minutes=5),
            closes_at=now + dt.timedelta(hours=3),
            points_per_question=5,
            spec=[s for s in spec if s["count"]],
        ),
    )
    tokens = [Token.objects.create(user=u).key for u in users]
    print(json.dumps({"test": test.pk, "tokens": tokens}))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
