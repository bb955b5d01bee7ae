import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from minzheng.learning import services as ls
from minzheng.learning.models import CheckIn, Question, Sitting, SittingQuestion

from . import factories as f

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _qid(seq):
    return Question.objects.get(seq=seq).pk


def test_the_test_taking_calls(world):
    test = f.fixed_test(world["officer"], [world["bureau"]])
    c = _client(world["m1"])
    r = c.post(f"/api/v1/learning/tests/{test.pk}/sittings/")
    assert r.status_code == 201
    body = r.json()
    assert [q["kind"] for q in body["questions"]] == ["single", "multiple", "judge", "fill"]
    assert "correct" not in body["questions"][0] and "explanation" not in body["questions"][0]
    assert 1190 <= body["remaining_seconds"] <= 1200
    sid = body["id"]
    for seq, answer in ((1, "B"), (2, ["A", "B", "D"]), (3, "F"), (4, "北京")):
        r = c.put(
            f"/api/v1/learning/sittings/{sid}/answers/{_qid(seq)}/",
            {"answer": answer},
            content_type="application/json",
        )
        assert r.status_code == 200, r.json()
    assert r.json()["given"] == "北京"
    again = c.post(f"/api/v1/learning/tests/{test.pk}/sittings/")
    assert again.status_code == 200 and again.json()["id"] == sid
    assert [q["given"] for q in again.json()["questions"]] == ["B", "ABD", "F", "北京"]
    r = c.post(f"/api/v1/learning/sittings/{sid}/submit/")
    assert r.status_code == 200
    res = r.json()
    assert (res["score"], res["max_score"], res["state"]) == (15, 20, "submitted")
    wrong = [q for q in res["questions"] if not q["is_correct"]]
    assert [(q["given"], q["correct"], q["explanation"]) for q in wrong] == [
        ("F", "T", "遵义会议确立了毛泽东在党中央和红军的领导地位。")
    ]


def test_bad_answers_are_400_in_chinese_and_write_nothing(world):
    test = f.fixed_test(world["officer"], [world["bureau"]], questions=[_qid(1)])
    c = _client(world["m1"])
    sid = c.post(f"/api/v1/learning/tests/{test.pk}/sittings/").json()["id"]
    url = f"/api/v1/learning/sittings/{sid}/answers/"
    r = c.put(url + f"{_qid(1)}/", {"answer": "Z"}, content_type="application/json")
    assert (r.status_code, r.json()) == (400, {"answer": ["选项“Z”不在本题的选项中。"]})
    r = c.put(url + f"{_qid(2)}/", {"answer": ["A"]}, content_type="application/json")
    assert (r.status_code, r.json()) == (400, {"question": ["该题不在您的试卷上。"]})
    c.post(f"/api/v1/learning/sittings/{sid}/submit/")
    r = c.put(url + f"{_qid(1)}/", {"answer": "B"}, content_type="application/json")
    assert (r.status_code, r.json()) == (400, {"sitting": ["您已交卷，不能再修改答案。"]})
    r = c.post(f"/api/v1/learning/tests/{test.pk}/sittings/")
    assert (r.status_code, r.json()) == (
        400,
        {"sitting": ["您已参加过本次测试，每人只能参加一次。"]},
    )
    assert SittingQuestion.objects.exclude(given="").count() == 0


def test_answer_after_the_limit_is_refused(world):
    test = f.fixed_test(world["officer"], [world["bureau"]])
    sitting, _c = ls.sitting_start(
        actor=world["m1"], test=test, now=timezone.now() - dt.timedelta(minutes=21)
    )
    c = _client(world["m1"])
    r = c.put(
        f"/api/v1/learning/sittings/{sitting.pk}/answers/{_qid(1)}/",
        {"answer": "B"},
        content_type="application/json",
    )
    assert (r.status_code, r.json()) == (
        400,
        {"sitting": ["答题时间已到，本题答案未保存，请交卷。"]},
    )
    assert c.get(f"/api/v1/learning/sittings/{sitting.pk}/").json()["remaining_seconds"] == 0


def test_other_members_sittings_and_uninvited_tests_are_404(world):
    test = f.fixed_test(world["officer"], [world["bureau"]])
    sid = _client(world["m1"]).post(f"/api/v1/learning/tests/{test.pk}/sittings/").json()["id"]
    other = _client(world["m2"])
    assert other.get(f"/api/v1/learning/sittings/{sid}/").status_code == 404
    assert other.post(f"/api/v1/learning/sittings/{sid}/submit/").status_code == 404
    town = _client(world["m3"])
    assert town.post(f"/api/v1/learning/tests/{test.pk}/sittings/").status_code == 404
    assert Sitting.objects.count() == 1


def test_checkin_api_and_its_cap(world):
    c = _client(world["m1"])
    r = c.post(
        "/api/v1/learning/checkins/",
        {"minutes": 40, "book": "中国共产党简史"},
        content_type="application/json",
    )
    assert r.status_code == 201
    assert (r.json()["points"], r.json()["day_points"]) == (6, 6)
    r = c.post(
        "/api/v1/learning/checkins/",
        {"minutes": 10, "book": "中国共产党简史"},
        content_type="application/json",
    )
    assert (r.status_code, r.json()) == (
        400,
        {"minutes": ["今日学习积分已达上限 6 分，明天再来吧。"]},
    )
    assert CheckIn.objects.count() == 1


def test_issue_list_for_member_and_staff(world, django_assert_num_queries):
    for n in (1, 2, 3):
        issue = ls.issue_create(
            actor=world["secretary"],
            data=ls.IssueInput(2021, n, f"第{n}期", "正文", 20, [world["bureau"].pk]),
        )
        if n < 3:
            ls.issue_publish(actor=world["secretary"], issue=issue)
    r = _client(world["m1"]).get("/api/v1/learning/issues/")
    assert [i["number"] for i in r.json()] == [2, 1]
    assert _client(world["m3"]).get("/api/v1/learning/issues/").json() == []
    c = _client(world["secretary"])
    c.get("/api/v1/learning/issues/")
    with django_assert_num_queries(7):
        r = c.get("/api/v1/learning/issues/")
    assert [i["number"] for i in r.json()] == [3, 2, 1]
