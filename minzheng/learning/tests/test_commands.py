import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from minzheng.learning import services as ls
from minzheng.learning.models import Sitting, SittingTransition

from . import factories as f

pytestmark = pytest.mark.django_db


def test_collect_scores_sittings_past_their_deadline_once(world):
    test = f.fixed_test(world["officer"], [world["bureau"]])
    old, _c = ls.sitting_start(
        actor=world["m1"], test=test, now=timezone.now() - dt.timedelta(minutes=30)
    )
    ls.sitting_start(actor=world["m2"], test=test)  # still running
    out = io.StringIO()
    call_command("learning_collect", stdout=out)
    assert out.getvalue().strip() == "1 sittings collected."
    old.refresh_from_db()
    assert (old.state, old.score, old.submitted_at) == ("expired", 0, old.deadline)
    call_command("learning_collect", stdout=io.StringIO())
    assert SittingTransition.objects.filter(name="expire").count() == 1
    assert Sitting.objects.filter(state="open").count() == 1


def test_remind_command(world):
    issue = ls.issue_create(
        actor=world["secretary"],
        data=ls.IssueInput(2021, 1, "第一期", "正文", 20, [world["bureau"].pk]),
    )
    ls.issue_publish(actor=world["secretary"], issue=issue)
    out = io.StringIO()
    call_command("learning_remind", stdout=out)
    assert out.getvalue().strip() == "2 reminders queued."
    call_command("learning_remind", "--channel", "app", stdout=out)
    assert out.getvalue().strip().endswith("0 reminders queued.")
