import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minzheng.learning import services as ls
from minzheng.learning.models import Question

from . import factories as f

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def filled(world):
    sec = world["secretary"]
    issue = ls.issue_create(
        actor=sec,
        data=ls.IssueInput(2021, 1, "第一期：建党百年", "正文", 20, [world["bureau"].pk]),
        files=[SimpleUploadedFile("a.pdf", b"%PDF-1.4 x")],
    )
    ls.issue_publish(actor=sec, issue=issue)
    test = f.fixed_test(world["officer"], [world["bureau"], world["town"]])
    s, _c = ls.sitting_start(actor=world["m1"], test=test)
    ls.answer_save(
        actor=world["m1"], sitting_id=s.pk, question_id=Question.objects.first().pk, answer="B"
    )
    ls.sitting_submit(actor=world["m1"], sitting_id=s.pk)
    now = timezone.now()
    event = ls.event_create(
        actor=sec,
        data=ls.EventInput(
            kind="lecture",
            title="党史专题讲座",
            site="区民政局会议室",
            speaker="专家",
            starts_at=now - dt.timedelta(minutes=10),
            ends_at=now + dt.timedelta(hours=1),
            branch_ids=[world["bureau"].pk],
        ),
    )
    ls.attendance_check_in(actor=world["m1"], event=event)
    r = ls.reflection_submit(actor=world["m1"], event=event, title="学习体会", body="体会" * 30)
    ls.checkin_create(actor=world["m1"], minutes=30, book="中国共产党简史")
    return {**world, "issue": issue, "test": test, "sitting": s, "event": event, "reflection": r}


def test_staff_pages_render_for_the_secretary(filled):
    c = _client(filled["secretary"])
    for name, args in [
        ("learning:home", []),
        ("learning:members", []),
        ("learning:issues", []),
        ("learning:issue", [filled["issue"].pk]),
        ("learning:tests", []),
        ("learning:test", [filled["test"].pk]),
        ("learning:events", []),
        ("learning:event", [filled["event"].pk]),
        ("learning:reflections", []),
        ("learning:reflection", [filled["reflection"].pk]),
        ("learning:issue_create", []),
        ("learning:test_create", []),
        ("learning:event_create", []),
    ]:
        r = c.get(reverse(name, args=args) + "?year=" + str(timezone.localdate().year))
        assert r.status_code == 200, name
    r = c.get(reverse("learning:test", args=[filled["test"].pk]))
    assert "陈红" in r.content.decode() and "黄强" not in r.content.decode()
    r = c.get(reverse("learning:export"))
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")


def test_officer_edits_and_imports_questions(filled):
    c = _client(filled["officer"])
    assert c.get(reverse("learning:questions")).status_code == 200
    q = Question.objects.get(seq=1)
    r = c.post(
        reverse("learning:question_edit", args=[q.pk]),
        {
            "category": "党史",
            "seq": 1,
            "stem": q.stem,
            "kind": "单选",
            "options": "A.1919年|B.1921年|C.1927年|D.1949年",
            "answer": "B",
            "difficulty": "中",
            "explanation": "改",
            "reason": "修订解析",
        },
    )
    assert r.status_code == 302
    q.refresh_from_db()
    assert (q.difficulty, q.explanation) == (2, "改")
    bad = SimpleUploadedFile(
        "b.xlsx", f.bank_xlsx([["党史", 9, "题", "单选", "A.x|B.y", "Q", "易", ""]])
    )
    r = c.post(reverse("learning:question_import"), {"file": bad})
    assert r.status_code == 400
    assert "第 2 行“答案”：单选题的答案应为一个选项字母。" in r.content.decode()
    assert Question.objects.count() == 4


def test_member_pages_render_and_the_checkin_form(filled):
    c = _client(filled["m1"])
    for name, args in [
        ("learning:portal_home", []),
        ("learning:portal_issues", []),
        ("learning:portal_issue", [filled["issue"].pk]),
        ("learning:portal_tests", []),
        ("learning:portal_result", [filled["sitting"].pk]),
        ("learning:portal_events", []),
        ("learning:portal_reflection", [filled["event"].pk]),
        ("learning:portal_mine", []),
        ("learning:portal_checkin", [ls.event_token(filled["event"])]),
    ]:
        assert c.get(reverse(name, args=args)).status_code == 200, name
    # the finished test opens its result
    r = c.get(reverse("learning:portal_test", args=[filled["test"].pk]))
    assert r.status_code == 302
    from minzheng.learning import selectors as learning_q

    token = learning_q.issue_attachments(filled["issue"]).get().token
    r = c.get(reverse("learning:portal_attachment", args=[filled["issue"].pk, token]))
    assert r.status_code == 200
    # a member of another branch: the issue and its file are not found
    other = _client(filled["m3"])
    assert other.get(reverse("learning:portal_issue", args=[filled["issue"].pk])).status_code == 404
    assert (
        other.get(
            reverse("learning:portal_attachment", args=[filled["issue"].pk, token])
        ).status_code
        == 404
    )
    assert (
        other.get(
            reverse("learning:portal_checkin", args=[ls.event_token(filled["event"])])
        ).status_code
        == 404
    )


def test_a_resident_who_is_no_member_is_told_so(db):
    from minzheng.core.models import User

    c = _client(User.objects.create(username="r9", kind=User.Kind.RESIDENT))
    r = c.get(reverse("learning:portal_home"))
    assert r.status_code == 403 and "党员志愿者" in r.content.decode()


def test_issue_list_query_count_does_not_grow(filled, queries_of):
    c = _client(filled["secretary"])
    url = reverse("learning:issues")
    c.get(url)
    before = queries_of(lambda: c.get(url))
    for n in range(2, 6):
        ls.issue_create(
            actor=filled["secretary"],
            data=ls.IssueInput(2021, n, f"第{n}期", "正文", 20, [filled["bureau"].pk]),
        )
    assert queries_of(lambda: c.get(url)) == before


def test_member_rows_query_count_does_not_grow(filled, queries_of):
    c = _client(filled["officer"])
    url = reverse("learning:members")
    c.get(url)
    before = queries_of(lambda: c.get(url))
    for n in range(3):
        f.member(filled["officer"], filled["bureau"], name=f"党员{n}")
    assert queries_of(lambda: c.get(url)) == before
