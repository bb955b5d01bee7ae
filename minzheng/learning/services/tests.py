"""Monthly tests: papers, one sitting per member, answers saved as given, the clock on the
server, scoring.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit, workflow
from minzheng.core.permissions import require_perm

from .. import rules, selectors
from ..models import (
    FixedQuestion,
    MonthlyTest,
    Question,
    Sitting,
    SittingQuestion,
    SittingState,
)
from ..workflows import SITTING
from .common import _branch_ids_error, _publisher_division, member_of


@dataclass
class TestInput:
    title: str
    month: dt.date
    mode: str
    branch_ids: list[int]
    time_limit_minutes: int
    opens_at: dt.datetime
    closes_at: dt.datetime
    points_per_question: int = 5
    spec: list[dict] = field(default_factory=list)  # random: category, difficulty, count
    question_ids: list[int] = field(default_factory=list)  # fixed


def test_create(*, actor, data: TestInput) -> MonthlyTest:
    require_perm(actor, "learning.add_monthlytest")
    errors: dict[str, str] = {}
    if not data.title or not data.title.strip():
        errors["title"] = _("请填写名称。")
    if not (1 <= (data.time_limit_minutes or 0) <= 240):
        errors["time_limit_minutes"] = _("限时应为 1–240 分钟。")
    if not (1 <= (data.points_per_question or 0) <= 100):
        errors["points_per_question"] = _("每题分值应为 1–100。")
    if not data.opens_at or not data.closes_at or data.closes_at <= data.opens_at:
        errors["closes_at"] = _("截止时间应晚于开放时间。")
    if e := _branch_ids_error(actor, data.branch_ids):
        errors["branches"] = e
    if data.mode == MonthlyTest.Mode.RANDOM:
        if not data.spec:
            errors["spec"] = _("请设置抽题规则。")
        for item in data.spec:
            have = Question.objects.filter(
                is_active=True, category=item.get("category"), difficulty=item.get("difficulty")
            ).count()
            if not (1 <= int(item.get("count") or 0) <= 100):
                errors["spec"] = _("每条规则的题数应为 1–100。")
            elif have < int(item["count"]):
                errors["spec"] = _("“%(c)s”%(d)s题只有 %(h)s 道，不足 %(n)s 道。") % {
                    "c": item.get("category"),
                    "d": dict(Question.Difficulty.choices).get(item.get("difficulty"), "?"),
                    "h": have,
                    "n": item["count"],
                }
    elif data.mode == MonthlyTest.Mode.FIXED:
        ids = list(dict.fromkeys(data.question_ids))
        if not ids or Question.objects.filter(pk__in=ids, is_active=True).count() != len(ids):
            errors["question_ids"] = _("请选择题库中启用的题目。")
    else:
        errors["mode"] = _("组卷方式不正确。")
    if errors:
        raise ValidationError(errors)
    month = data.month.replace(day=1)
    with transaction.atomic():
        test = MonthlyTest.objects.create(
            title=data.title.strip(),
            month=month,
            division_id=_publisher_division(actor),
            mode=data.mode,
            spec=data.spec if data.mode == MonthlyTest.Mode.RANDOM else [],
            points_per_question=data.points_per_question,
            time_limit_minutes=data.time_limit_minutes,
            opens_at=data.opens_at,
            closes_at=data.closes_at,
            status=MonthlyTest.Status.PUBLISHED,
            created_by=actor,
        )
        test.branches.set(data.branch_ids)
        if data.mode == MonthlyTest.Mode.FIXED:
            FixedQuestion.objects.bulk_create(
                FixedQuestion(test=test, question_id=q, position=i + 1)
                for i, q in enumerate(dict.fromkeys(data.question_ids))
            )
        audit.record(actor=actor, action=audit.Action.CREATE, target=test, summary=test.title)
    return test


def _draw(test: MonthlyTest, member) -> list[Question]:
    """The member's paper: fixed, or drawn per rule (deterministic per test and member, so
    a paper can be reproduced)."""
    if test.mode == MonthlyTest.Mode.FIXED:
        return [f.question for f in test.fixed.select_related("question").order_by("position")]
    rng = random.Random(f"{test.pk}:{member.pk}")
    pools: dict[tuple, list[int]] = {}
    for pk, category, difficulty in (
        Question.objects.filter(
            is_active=True, category__in={item["category"] for item in test.spec}
        )
        .order_by("pk")
        .values_list("pk", "category", "difficulty")
    ):
        pools.setdefault((category, difficulty), []).append(pk)
    chosen: list[int] = []
    for item in test.spec:
        taken = set(chosen)
        ids = [p for p in pools.get((item["category"], item["difficulty"]), []) if p not in taken]
        chosen += rng.sample(ids, min(int(item["count"]), len(ids)))
    by_id = Question.objects.in_bulk(chosen)
    return [by_id[i] for i in chosen]


def _existing_sitting(test, member, now) -> Sitting:
    sitting = Sitting.objects.get(test=test, member=member)
    if sitting.state == SittingState.OPEN and now <= sitting.deadline:
        return sitting
    raise ValidationError({"sitting": _("您已参加过本次测试，每人只能参加一次。")})


def sitting_start(*, actor, test: MonthlyTest, member=None, now=None) -> tuple[Sitting, bool]:
    """Start (or resume) the member's one sitting. A second start while the sitting is open
    returns it (a dropped connection resumes, the clock still running from the first start);
    once submitted or timed out it is refused. One sitting per member and test is a unique
    constraint: of two concurrent starts one inserts, the other reads the winner's row.
    `member` may be passed when the caller has resolved the actor's member already."""
    member = member if member is not None else member_of(actor)
    now = now or timezone.now()
    if not selectors.member_can_see(member, test):
        raise Http404
    if Sitting.objects.filter(test=test, member=member).exists():
        return _existing_sitting(test, member, now), False
    if now < test.opens_at:
        raise ValidationError(
            {
                "test": _("测试尚未开始，开放时间 %(t)s。")
                % {"t": f"{timezone.localtime(test.opens_at):%m-%d %H:%M}"}
            }
        )
    if now >= test.closes_at:
        raise ValidationError({"test": _("本次测试已截止。")})
    questions = _draw(test, member)
    if not questions:
        raise ValidationError({"test": _("试卷没有题目，请联系支部。")})
    deadline = min(now + dt.timedelta(minutes=test.time_limit_minutes), test.closes_at)
    try:
        with transaction.atomic():
            sitting = Sitting.objects.create(
                test=test,
                member=member,
                started_by=actor,
                branch_id=member.branch_id,
                division_id=member.branch.division_id,
                started_at=now,
                deadline=deadline,
                max_score=test.points_per_question * len(questions),
            )
            SittingQuestion.objects.bulk_create(
                SittingQuestion(
                    sitting=sitting,
                    question=q,
                    position=i + 1,
                    points=test.points_per_question,
                    kind=q.kind,
                    stem=q.stem,
                    options=q.options,
                    correct=q.answer,
                    explanation=q.explanation,
                )
                for i, q in enumerate(questions)
            )
            workflow.start(workflow=SITTING, obj=sitting, name="start", actor=actor)
    except IntegrityError:  # a concurrent start won: this is a resume of its sitting
        return _existing_sitting(test, member, now), False
    return sitting, True


def answer_save(*, actor, sitting_id: int, question_id: int, answer, now=None) -> SittingQuestion:
    """Save one answer as given (the last one counts). Refused after submission, after the
    server-side deadline, for a question not on this member's paper and for an option the
    question does not have. The sitting row is locked, so a save and the submission of the
    same sitting never interleave."""
    now = now or timezone.now()
    with transaction.atomic():
        sitting = (
            Sitting.objects.select_for_update()
            .filter(pk=sitting_id, started_by_id=getattr(actor, "pk", None))
            .first()
        )
        if sitting is None:
            raise Http404
        if sitting.state != SittingState.OPEN:
            raise ValidationError({"sitting": _("您已交卷，不能再修改答案。")})
        if now > sitting.deadline:
            raise ValidationError({"sitting": _("答题时间已到，本题答案未保存，请交卷。")})
        sq = (
            SittingQuestion.objects.filter(sitting_id=sitting.pk, question_id=question_id)
            .only("pk", "question_id", "kind", "options")
            .first()
        )
        if sq is None:
            raise ValidationError({"question": _("该题不在您的试卷上。")})
        try:
            given = rules.normalise_answer(sq.kind, sq.options, answer)
        except ValueError as exc:
            raise ValidationError({"answer": str(exc)}) from None
        SittingQuestion.objects.filter(pk=sq.pk).update(given=given, answered_at=now)
        sq.given, sq.answered_at = given, now
    return sq


def _score(sitting: Sitting) -> int:
    rows = list(sitting.questions.all())
    for sq in rows:
        sq.is_correct = rules.is_correct(sq.kind, sq.correct, sq.given)
        sq.awarded = sq.points if sq.is_correct else 0
    SittingQuestion.objects.bulk_update(rows, ["is_correct", "awarded"])
    return sum(sq.awarded for sq in rows)


def sitting_submit(*, actor, sitting_id: int, now=None) -> Sitting:
    """Hand the paper in and score it. After the deadline the paper is collected as it was
    saved (超时收卷), scored the same way."""
    now = now or timezone.now()
    with transaction.atomic():
        sitting = (
            Sitting.objects.select_for_update()
            .filter(pk=sitting_id, started_by_id=getattr(actor, "pk", None))
            .first()
        )
        if sitting is None:
            raise Http404
        if sitting.state != SittingState.OPEN:
            raise ValidationError({"sitting": _("您已交卷，不能重复交卷。")})
        return _close(sitting, actor=actor, now=now)


def _close(sitting: Sitting, *, actor, now) -> Sitting:
    score = _score(sitting)
    name = "submit" if now <= sitting.deadline else "expire"
    workflow.move(
        workflow=SITTING,
        obj=sitting,
        name=name,
        actor=actor,
        extra_updates={
            "score": score,
            "submitted_at": min(now, sitting.deadline) if name == "expire" else now,
        },
    )
    return sitting


def sittings_collect(*, now=None) -> int:
    """Collect every open sitting past its deadline (the command learning_collect)."""
    now = now or timezone.now()
    done = 0
    for pk in Sitting.objects.filter(state=SittingState.OPEN, deadline__lt=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            sitting = Sitting.objects.select_for_update().get(pk=pk)
            if sitting.state == SittingState.OPEN:
                _close(sitting, actor=None, now=now)
                done += 1
    return done
