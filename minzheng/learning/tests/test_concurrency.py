"""One sitting per member under concurrent starts, and the daily cap under concurrent
check-ins (PostgreSQL, real threads)."""

import pytest
from django.core.exceptions import ValidationError

from minzheng.learning import services as ls
from minzheng.learning.models import CheckIn, Sitting, SittingQuestion, SittingTransition, StudyDay

from . import factories as f

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_starts_make_one_sitting(world, run_concurrently):
    test = f.fixed_test(world["officer"], [world["bureau"]])
    m1 = world["m1"]
    results = run_concurrently(lambda i: ls.sitting_start(actor=m1, test=test), 6)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(created for _s, created in results) == [False] * 5 + [True]
    assert {s.pk for s, _c in results} == {Sitting.objects.get().pk}
    assert Sitting.objects.count() == 1
    assert SittingQuestion.objects.count() == 4
    assert SittingTransition.objects.count() == 1


def test_concurrent_starts_of_many_members_each_get_one(world, run_concurrently):
    test = f.fixed_test(world["officer"], [world["bureau"]])
    actors = [world["m1"], world["m2"]] * 3
    results = run_concurrently(lambda i: ls.sitting_start(actor=actors[i], test=test), 6)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Sitting.objects.count() == 2
    assert SittingQuestion.objects.count() == 8


def test_concurrent_check_ins_cannot_pass_the_daily_cap(world, run_concurrently):
    m1 = world["m1"]
    results = run_concurrently(
        lambda i: ls.checkin_create(actor=m1, minutes=36, book="中国共产党简史"), 4
    )
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(refused) == 3, results
    day = StudyDay.objects.get()
    assert (day.minutes, day.points) == (36, 6)
    assert CheckIn.objects.count() == 1
