import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from minzheng.learning import rules, selectors
from minzheng.learning import services as ls
from minzheng.learning.models import (
    CheckIn,
    Question,
    Reflection,
    Sitting,
    SittingQuestion,
    SittingTransition,
    StudyDay,
)

from . import factories as f

pytestmark = pytest.mark.django_db


def _q(seq):
    return Question.objects.get(category="党史", seq=seq)


# ---------------------------------------------------------------- scoring rules


@pytest.mark.parametrize(
    "kind,correct,given,right",
    [
        ("single", "B", "B", True),
        ("single", "B", "A", False),
        ("multiple", "ABD", "ABD", True),
        ("multiple", "ABD", "AB", False),  # 少选
        ("multiple", "ABD", "ABCD", False),  # 多选
        ("multiple", "ABD", "ABC", False),  # 错选
        ("judge", "T", "T", True),
        ("judge", "T", "F", False),
        ("fill", "北京|北平", "北京", True),
        ("fill", "北京|北平", " 北平。", True),
        ("fill", "北京|北平", "南京", False),
        ("single", "B", "", False),
    ],
)
def test_scoring_is_exactly_right_or_nothing(kind, correct, given, right):
    assert rules.is_correct(kind, correct, given) is right


def test_forged_options_are_refused():
    opts = [{"key": k, "text": k} for k in "ABCD"]
    with pytest.raises(ValueError, match="不在本题的选项中"):
        rules.normalise_answer("single", opts, "E")
    with pytest.raises(ValueError, match="不在本题的选项中"):
        rules.normalise_answer("multiple", opts, ["A", "Z"])
    with pytest.raises(ValueError, match="重复"):
        rules.normalise_answer("multiple", opts, ["A", "A"])
    assert rules.normalise_answer("multiple", opts, ["d", "A"]) == "AD"


def test_streak_counts_back_from_today_or_yesterday():
    today = dt.date(2021, 6, 10)
    days = [dt.date(2021, 6, d) for d in (5, 7, 8, 9)]
    assert rules.streak(days, today) == 3
    assert rules.streak(days + [today], today) == 4
    assert rules.streak([dt.date(2021, 6, 1)], today) == 0


# ---------------------------------------------------------------- the question bank


def test_import_creates_the_bank_and_updates_by_category_and_seq(world):
    assert Question.objects.count() == 4
    multi = _q(2)
    assert (multi.kind, multi.answer, multi.difficulty) == ("multiple", "ABD", 2)
    assert [o["key"] for o in multi.options] == ["A", "B", "C", "D"]
    assert _q(3).answer == "T" and _q(4).answer == "北京|北平"
    rows = [list(r) for r in f.BANK]
    rows[0][7] = "新的解析"
    result = ls.question_import(
        actor=world["officer"], content=f.bank_xlsx(rows), filename="b.xlsx"
    )
    assert (result.created, result.updated) == (0, 1)
    assert _q(1).explanation == "新的解析"
    assert _q(1).history.count() == 2


def test_import_with_bad_rows_writes_nothing_and_names_row_and_column(world):
    rows = [
        ["党史", 10, "题干", "单选", "A.甲|B.乙", "C", "易", ""],
        ["党史", 11, "题干", "多选", "A.甲|B.乙|C.丙", "A", "中", ""],
        ["党史", 12, "", "判断", "", "也许", "难", ""],
        ["党史", 10, "重复", "问答", "", "x", "极难", ""],
    ]
    with pytest.raises(ValidationError) as exc:
        ls.question_import(actor=world["officer"], content=f.bank_xlsx(rows), filename="b.xlsx")
    messages = exc.value.message_dict["file"]
    assert "第 2 行“答案”：单选题的答案应为一个选项字母。" in messages
    assert "第 3 行“答案”：多选题的答案应为两个或以上不重复的选项字母，如“ACD”。" in messages
    assert "第 4 行“题干”：请填写题干。" in messages
    assert "第 4 行“答案”：判断题的答案应为“对”或“错”。" in messages
    assert "第 5 行“题型”：题型应为 单选、多选、判断 或 填空。" in messages
    assert "第 5 行“序号”：与第 2 行重复。" in messages
    assert Question.objects.count() == 4


def test_import_refuses_a_wrong_header_and_a_non_xlsx(world):
    with pytest.raises(ValidationError, match="表头"):
        ls.question_import(
            actor=world["officer"],
            content=f.bank_xlsx(header=["题目", "答案"]),
            filename="b.xlsx",
        )
    with pytest.raises(ValidationError, match="xlsx"):
        ls.question_import(actor=world["officer"], content=b"a,b", filename="b.csv")
    assert Question.objects.count() == 4


def test_question_edit_keeps_history_with_reason(world):
    q = _q(1)
    data = ls.QuestionInput(
        category="党史",
        seq=1,
        stem=q.stem,
        kind="single",
        options=q.options,
        answer="B",
        difficulty=2,
        explanation=q.explanation,
    )
    ls.question_update(actor=world["officer"], question=q, data=data, reason="难度调整")
    q.refresh_from_db()
    assert q.difficulty == 2
    assert q.history.first().history_change_reason == "难度调整"
    with pytest.raises(ValidationError) as exc:
        ls.question_update(actor=world["officer"], question=q, data=data, reason=" ")
    assert exc.value.message_dict == {"reason": ["请填写修改原因。"]}


# ---------------------------------------------------------------- daily study


def test_checkin_points_and_daily_caps(world):
    m1 = world["m1"]
    now = timezone.make_aware(dt.datetime(2021, 6, 10, 20, 0))
    c = ls.checkin_create(actor=m1, minutes=30, book="中国共产党简史", now=now)
    assert (c.minutes, c.points) == (30, 5)  # 6 minutes a point
    c = ls.checkin_create(actor=m1, minutes=20, book="论中国共产党历史", now=now)
    assert c.points == 1  # the day's cap of 6 points
    day = StudyDay.objects.get()
    assert (day.minutes, day.points, day.division_id) == (50, 6, f.BUREAU)
    with pytest.raises(ValidationError) as exc:
        ls.checkin_create(actor=m1, minutes=10, book="中国共产党简史", now=now)
    assert exc.value.message_dict == {"minutes": ["今日学习积分已达上限 6 分，明天再来吧。"]}
    assert CheckIn.objects.count() == 2
    assert c.parameters["learning_daily_points_cap"]["value"] == "6"


def test_checkin_beyond_the_daily_minutes_is_refused(world):
    from minzheng.core.models import PolicyParameter

    PolicyParameter.objects.filter(key="learning_daily_points_cap").update(value="100")
    m1 = world["m1"]
    now = timezone.make_aware(dt.datetime(2021, 6, 10, 8, 0))
    ls.checkin_create(actor=m1, minutes=5, book="中国共产党简史", now=now)
    ls.checkin_create(actor=m1, minutes=5, book="中国共产党简史", now=now)
    ls.checkin_create(actor=m1, minutes=120, book="中国共产党简史", now=now)
    with pytest.raises(ValidationError) as exc:
        ls.checkin_create(actor=m1, minutes=60, book="中国共产党简史", now=now)
    assert exc.value.message_dict["minutes"] == [
        "今日已记学习 130 分钟，每日最多记 180 分钟，本次最多还能记 50 分钟。"
    ]
    with pytest.raises(ValidationError) as exc:
        ls.checkin_create(actor=m1, minutes=121, book="", now=now)
    assert exc.value.message_dict == {
        "minutes": ["单次打卡不能超过 120 分钟。"],
        "book": ["请选择学习书目。"],
    }
    assert CheckIn.objects.count() == 3


def test_checkin_of_a_resident_who_is_no_party_member_is_refused(world, db):
    from minzheng.core.models import User

    nobody = User.objects.create(username="r0", kind=User.Kind.RESIDENT)
    with pytest.raises(ValidationError, match="党员志愿者"):
        ls.checkin_create(actor=nobody, minutes=30, book="中国共产党简史")
    assert StudyDay.objects.count() == 0


def test_reminders_go_once_to_members_who_have_not_studied(world, settings):
    from minzheng.core.models import OutboundSMS

    issue = ls.issue_create(
        actor=world["secretary"],
        data=ls.IssueInput(2021, 1, "第一期", "正文", 20, [world["bureau"].pk]),
    )
    ls.issue_publish(actor=world["secretary"], issue=issue)
    ls.checkin_create(actor=world["m1"], minutes=30, book="中国共产党简史")
    assert ls.reminders_send() == 1  # m2 only; m3's branch gets no material
    assert ls.reminders_send() == 0
    assert OutboundSMS.objects.filter(source="learning.remind").count() == 1


# ---------------------------------------------------------------- tests and sittings


def _start(world, member="m1", now=None, **kw):
    test = f.fixed_test(world["officer"], [world["bureau"]], now=now, **kw)
    sitting, created = ls.sitting_start(actor=world[member], test=test, now=now)
    return test, sitting, created


def test_a_full_sitting_scores_each_question_type(world):
    test, sitting, created = _start(world)
    assert created and sitting.max_score == 20
    assert sitting.deadline == sitting.started_at + dt.timedelta(minutes=20)
    m1 = world["m1"]
    ls.answer_save(actor=m1, sitting_id=sitting.pk, question_id=_q(1).pk, answer="B")
    ls.answer_save(actor=m1, sitting_id=sitting.pk, question_id=_q(2).pk, answer=["A", "B"])
    ls.answer_save(actor=m1, sitting_id=sitting.pk, question_id=_q(3).pk, answer="T")
    ls.answer_save(actor=m1, sitting_id=sitting.pk, question_id=_q(4).pk, answer="北平")
    done = ls.sitting_submit(actor=m1, sitting_id=sitting.pk)
    assert (done.state, done.score) == ("submitted", 15)  # 少选 scores 0
    given = dict(sitting.questions.values_list("question__seq", "awarded"))
    assert given == {1: 5, 2: 0, 3: 5, 4: 5}
    assert list(SittingTransition.objects.values_list("name", flat=True)) == ["start", "submit"]


def test_the_last_saved_answer_counts(world):
    _test, sitting, _c = _start(world)
    m1 = world["m1"]
    ls.answer_save(actor=m1, sitting_id=sitting.pk, question_id=_q(1).pk, answer="A")
    ls.answer_save(actor=m1, sitting_id=sitting.pk, question_id=_q(1).pk, answer="B")
    assert ls.sitting_submit(actor=m1, sitting_id=sitting.pk).score == 5


def test_bad_answers_are_refused_in_chinese_and_nothing_is_written(world):
    from minzheng.learning.models import Question

    _test, sitting, _c = _start(world, questions=[_q(1).pk, _q(2).pk])
    m1 = world["m1"]
    cases = [
        (_q(3).pk, "T", {"question": ["该题不在您的试卷上。"]}),
        (_q(1).pk, "E", {"answer": ["选项“E”不在本题的选项中。"]}),
        (_q(2).pk, ["A", "X"], {"answer": ["选项“X”不在本题的选项中。"]}),
        (_q(1).pk, "", {"answer": ["请选择一个选项。"]}),
    ]
    for qid, answer, message in cases:
        with pytest.raises(ValidationError) as exc:
            ls.answer_save(actor=m1, sitting_id=sitting.pk, question_id=qid, answer=answer)
        assert exc.value.message_dict == message
    assert SittingQuestion.objects.exclude(given="").count() == 0
    assert Question.objects.count() == 4


def test_answers_after_the_time_limit_are_refused_by_the_server(world):
    start = timezone.now()
    _test, sitting, _c = _start(world, now=start, limit=20)
    m1 = world["m1"]
    ls.answer_save(
        actor=m1,
        sitting_id=sitting.pk,
        question_id=_q(1).pk,
        answer="B",
        now=start + dt.timedelta(minutes=19, seconds=59),
    )
    with pytest.raises(ValidationError) as exc:
        ls.answer_save(
            actor=m1,
            sitting_id=sitting.pk,
            question_id=_q(3).pk,
            answer="T",
            now=start + dt.timedelta(minutes=20, seconds=1),
        )
    assert exc.value.message_dict == {"sitting": ["答题时间已到，本题答案未保存，请交卷。"]}
    assert SittingQuestion.objects.get(sitting=sitting, question=_q(3)).given == ""
    late = ls.sitting_submit(actor=m1, sitting_id=sitting.pk, now=start + dt.timedelta(minutes=25))
    assert (late.state, late.score, late.submitted_at) == ("expired", 5, sitting.deadline)


def test_answers_after_submission_and_a_second_sitting_are_refused(world):
    test, sitting, _c = _start(world)
    m1 = world["m1"]
    ls.sitting_submit(actor=m1, sitting_id=sitting.pk)
    with pytest.raises(ValidationError) as exc:
        ls.answer_save(actor=m1, sitting_id=sitting.pk, question_id=_q(1).pk, answer="B")
    assert exc.value.message_dict == {"sitting": ["您已交卷，不能再修改答案。"]}
    with pytest.raises(ValidationError) as exc:
        ls.sitting_submit(actor=m1, sitting_id=sitting.pk)
    assert exc.value.message_dict == {"sitting": ["您已交卷，不能重复交卷。"]}
    with pytest.raises(ValidationError) as exc:
        ls.sitting_start(actor=m1, test=test)
    assert exc.value.message_dict == {"sitting": ["您已参加过本次测试，每人只能参加一次。"]}
    assert Sitting.objects.count() == 1
    assert SittingQuestion.objects.exclude(given="").count() == 0


def test_a_dropped_connection_resumes_the_same_sitting_with_the_clock_running(world):
    start = timezone.now() - dt.timedelta(minutes=5)
    test, sitting, _c = _start(world, now=start)
    m1 = world["m1"]
    ls.answer_save(actor=m1, sitting_id=sitting.pk, question_id=_q(2).pk, answer="DBA")
    again, created = ls.sitting_start(actor=m1, test=test)
    assert (again.pk, created, again.deadline) == (sitting.pk, False, sitting.deadline)
    resumed = selectors.member_sitting(selectors.member_for_user(m1), sitting.pk)
    saved = {q.question_id: q.given for q in resumed.questions.all()}
    assert saved[_q(2).pk] == "ABD"


def test_another_members_sitting_is_not_found(world):
    _test, sitting, _c = _start(world)
    with pytest.raises(Http404):
        ls.answer_save(actor=world["m2"], sitting_id=sitting.pk, question_id=_q(1).pk, answer="B")
    assert SittingQuestion.objects.exclude(given="").count() == 0


def test_a_member_of_a_branch_not_invited_cannot_start(world):
    test = f.fixed_test(world["officer"], [world["bureau"]])
    with pytest.raises(Http404):
        ls.sitting_start(actor=world["m3"], test=test)
    assert Sitting.objects.count() == 0


def test_a_random_paper_draws_by_category_and_difficulty(world):
    now = timezone.now()
    test = ls.test_create(
        actor=world["officer"],
        data=ls.TestInput(
            title="随机",
            month=dt.date(2021, 7, 1),
            mode="random",
            branch_ids=[world["bureau"].pk],
            time_limit_minutes=20,
            opens_at=now - dt.timedelta(hours=1),
            closes_at=now + dt.timedelta(hours=1),
            spec=[
                {"category": "党史", "difficulty": 1, "count": 2},
                {"category": "党史", "difficulty": 2, "count": 1},
            ],
        ),
    )
    sitting, _c = ls.sitting_start(actor=world["m1"], test=test)
    drawn = sorted(sitting.questions.values_list("question__difficulty", flat=True))
    assert drawn == [1, 1, 2] and sitting.max_score == 15
    with pytest.raises(ValidationError) as exc:
        ls.test_create(
            actor=world["officer"],
            data=ls.TestInput(
                title="太多",
                month=dt.date(2021, 7, 1),
                mode="random",
                branch_ids=[world["bureau"].pk],
                time_limit_minutes=20,
                opens_at=now,
                closes_at=now + dt.timedelta(hours=1),
                spec=[{"category": "党史", "difficulty": 3, "count": 1}],
            ),
        )
    assert exc.value.message_dict == {"spec": ["“党史”难题只有 0 道，不足 1 道。"]}


def test_ranking_by_branch(world):
    test = f.fixed_test(world["officer"], [world["bureau"], world["town"]])
    for key, answer in (("m1", "B"), ("m2", "A"), ("m3", "B")):
        s, _c = ls.sitting_start(actor=world[key], test=test)
        ls.answer_save(actor=world[key], sitting_id=s.pk, question_id=_q(1).pk, answer=answer)
        ls.sitting_submit(actor=world[key], sitting_id=s.pk)
    rows, sittings = selectors.test_ranking(user=world["officer"], test=test)
    assert [(r.name, r.members, r.sat, r.average, r.best) for r in rows] == [
        ("桂城街道第一党支部", 1, 1, 5.0, 5),
        ("南海区民政局机关党支部", 2, 2, 2.5, 5),
    ]
    rows, sittings = selectors.test_ranking(user=world["secretary"], test=test)
    assert [r.name for r in rows] == ["南海区民政局机关党支部"] and len(sittings) == 2


# ---------------------------------------------------------------- events and reflections


def _event(world, **kw):
    now = timezone.now()
    return ls.event_create(
        actor=world["secretary"],
        data=ls.EventInput(
            kind="visit",
            title="参观西樵山抗日阵亡将士暨死难同胞纪念碑",
            site="西樵山",
            starts_at=now - dt.timedelta(minutes=30),
            ends_at=now + dt.timedelta(hours=2),
            branch_ids=[world["bureau"].pk],
            **kw,
        ),
    )


BODY = "站在纪念碑前，" * 10


def test_qr_check_in_reflection_and_review(world):
    event = _event(world)
    token = ls.event_token(event)
    assert ls.event_from_token(token) == event
    ls.attendance_check_in(actor=world["m1"], event=event)
    with pytest.raises(ValidationError, match="已签到"):
        ls.attendance_check_in(actor=world["m1"], event=event)
    with pytest.raises(ValidationError, match="不在本次活动的参加范围内"):
        ls.attendance_check_in(actor=world["m3"], event=event)
    with pytest.raises(ValidationError) as exc:
        ls.reflection_submit(actor=world["m2"], event=event, title="心得", body=BODY)
    assert exc.value.message_dict == {"event": ["签到参加活动后才能提交心得体会。"]}
    r = ls.reflection_submit(actor=world["m1"], event=event, title="铭记历史", body=BODY)
    with pytest.raises(ValidationError) as exc:
        ls.reflection_review(actor=world["secretary"], reflection=r, decision="return")
    assert exc.value.message_dict == {"review_note": ["退回时请写明修改意见。"]}
    ls.reflection_review(
        actor=world["secretary"], reflection=r, decision="return", note="请结合本职工作谈体会"
    )
    r = ls.reflection_submit(actor=world["m1"], event=event, title="铭记历史", body=BODY + "改")
    assert r.state == "submitted"
    ls.reflection_review(actor=world["secretary"], reflection=r, decision="approve")
    r.refresh_from_db()
    assert (r.state, r.reviewed_by) == ("approved", world["secretary"])
    assert list(r.transitions.values_list("name", flat=True)) == [
        "submit",
        "return",
        "resubmit",
        "approve",
    ]
    assert Reflection.objects.count() == 1


def test_a_forged_event_token_is_refused():
    with pytest.raises(ValidationError, match="二维码无效"):
        ls.event_from_token("forged")


# ---------------------------------------------------------------- scope of secretaries


def test_a_secretary_sees_only_their_branch(world, make_staff):
    test = f.fixed_test(world["officer"], [world["bureau"], world["town"]])
    for key in ("m1", "m3"):
        ls.sitting_start(actor=world[key], test=test)
    sec = world["secretary"]
    assert list(selectors.staff_branches(sec)) == [world["bureau"]]
    assert {s.branch_id for s in selectors._narrow(Sitting.objects.all(), sec)} == {
        world["bureau"].pk
    }
    town_sec = f.secretary(make_staff, world["town"], "guicheng_sec", f.GUICHENG)
    assert {s.member_id for s in selectors._narrow(Sitting.objects.all(), town_sec)} == {
        selectors.member_for_user(world["m3"]).pk
    }
    with pytest.raises(ValidationError) as exc:
        ls.event_create(
            actor=town_sec,
            data=ls.EventInput(
                kind="lecture",
                title="讲座",
                site="礼堂",
                speaker="专家",
                starts_at=timezone.now(),
                ends_at=timezone.now() + dt.timedelta(hours=1),
                branch_ids=[world["bureau"].pk],
            ),
        )
    assert exc.value.message_dict == {"branches": ["所选党支部不在您的管理范围内。"]}


def test_issue_with_a_forged_attachment_writes_nothing(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from minzheng.core.models import Attachment
    from minzheng.learning.models import StudyIssue

    bad = SimpleUploadedFile("x.pdf", b"not a pdf")
    with pytest.raises(ValidationError) as exc:
        ls.issue_create(
            actor=world["secretary"],
            data=ls.IssueInput(2021, 2, "第二期", "正文", 15, [world["bureau"].pk]),
            files=[bad],
        )
    assert "file" in exc.value.message_dict
    assert StudyIssue.objects.count() == 0 and Attachment.objects.count() == 0
    ok = SimpleUploadedFile("ok.pdf", b"%PDF-1.4 test")
    issue = ls.issue_create(
        actor=world["secretary"],
        data=ls.IssueInput(2021, 2, "第二期", "正文", 15, [world["bureau"].pk]),
        files=[ok],
    )
    assert [a.original_name for a in selectors.issue_attachments(issue)] == ["ok.pdf"]


def test_reading_records_time_and_the_end(world):
    issue = ls.issue_create(
        actor=world["secretary"],
        data=ls.IssueInput(2021, 3, "第三期", "正文", 15, [world["bureau"].pk]),
    )
    ls.issue_publish(actor=world["secretary"], issue=issue)
    ls.reading_record(actor=world["m1"], issue=issue)
    r = ls.reading_record(actor=world["m1"], issue=issue, seconds=300, finished=True)
    assert (r.seconds_spent, r.finished_at is not None) == (300, True)
    assert list(selectors.member_issues(selectors.member_for_user(world["m3"]))) == []
