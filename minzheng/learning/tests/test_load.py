"""The short version of bench/learning_tests.py, in the normal suite: members start the
monthly test together and save answers through the API (in-process); every answer is
saved and p95 per answer stays under the target. The full run (500 members, gunicorn,
PostgreSQL) is `make bench`; the slow test below runs its quick mode."""

import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import Client

from minzheng.learning.models import Sitting, SittingQuestion

from . import factories as f

pytestmark = pytest.mark.django_db


def test_members_start_together_and_save_answers_quickly(world):
    officer, bureau = world["officer"], world["bureau"]
    users = [world["m1"], world["m2"]] + [
        f.member(officer, bureau, name=f"党员{i}") for i in range(18)
    ]
    test = f.fixed_test(officer, [bureau])
    clients = []
    for u in users:
        c = Client()
        c.force_login(u)
        r = c.post(f"/api/v1/learning/tests/{test.pk}/sittings/")
        assert r.status_code == 201
        clients.append((c, r.json()))
    timings = []
    for c, paper in clients:
        for q in paper["questions"]:
            answer = {"single": "A", "judge": "T", "multiple": ["A", "B"], "fill": "北京"}[
                q["kind"]
            ]
            began = time.perf_counter()
            r = c.put(
                f"/api/v1/learning/sittings/{paper['id']}/answers/{q['question_id']}/",
                {"answer": answer},
                content_type="application/json",
            )
            timings.append((time.perf_counter() - began) * 1000)
            assert r.status_code == 200
    timings.sort()
    p95 = timings[int(0.95 * len(timings))]
    assert p95 < 200, p95
    assert Sitting.objects.count() == 20
    assert SittingQuestion.objects.exclude(given="").count() == 80


@pytest.mark.slow
def test_bench_quick_run_meets_the_target():
    root = Path(__file__).resolve().parents[3]
    code = subprocess.call([sys.executable, str(root / "bench" / "learning_tests.py"), "--quick"])
    assert code == 0
