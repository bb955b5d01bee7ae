"""Learning demo step: the bureau's 2021 study year for the members of 南海区民政局机关党支部
(made by the volunteers demo) — 27 study issues with PDFs and reading records, daily check-ins
from March to December, ten monthly tests sat through the services, three expert lectures,
the visits to 西樵山抗日阵亡将士暨死难同胞纪念碑 and 南海博物馆 with reflections reviewed by
`party_secretary`. Seeded, so every machine gets the same year; a second run adds nothing.

Daily check-ins are written in bulk (about 15,000 days) with the points the service would
give (`rules.points_for` with the parameters in force); everything else goes through the
services with the time it happened."""

from __future__ import annotations

import datetime as dt
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from minzheng.core.demo_accounts import ensure_account
from minzheng.core.models import User
from minzheng.core.params import parameter_value
from minzheng.core.services import parameters_ensure_defaults
from minzheng.volunteers import selectors as volunteers

from . import rules, selectors, services
from .apps import PARTY_SECRETARY
from .demo_bank import QUESTIONS, TOPICS
from .models import (
    CheckIn,
    Question,
    SecretaryBranch,
    SittingQuestion,
    StudyDay,
    StudyIssue,
)

SEED = 2021
BUREAU_BRANCH = "南海区民政局机关党支部"
DISTRICT = "440605000000"
# The first three members sign in on the portal with these phones (SMS code in the console).
MEMBER_PHONES = ["13700002101", "13700002102", "13700002103"]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, minute))


def _member_accounts(members) -> list[User]:
    """A portal account bound to each member (their registry phone; fixed phones for the
    first three, which the README lists)."""
    from minzheng.portal.models import ResidentProfile
    from minzheng.registry import pii
    from minzheng.registry.validators import mask_id_number, mask_phone

    users = []
    for i, m in enumerate(members):
        profile = ResidentProfile.objects.filter(person=m.person).select_related("user").first()
        if profile:
            users.append(profile.user)
            continue
        phone = MEMBER_PHONES[i] if i < len(MEMBER_PHONES) else m.person.phone
        if (
            not phone
            or ResidentProfile.objects.filter(
                phone_hash=pii.blind_index(phone, kind="phone")
            ).exists()
        ):
            continue
        user, _c = User.objects.get_or_create(
            username=f"party_member{i + 1}",
            defaults={"display_name": m.person.name, "kind": User.Kind.RESIDENT},
        )
        user.set_unusable_password()
        user.save()
        ResidentProfile.objects.create(
            user=user,
            phone=phone,
            phone_hash=pii.blind_index(phone, kind="phone"),
            phone_masked=mask_phone(phone),
            real_name=m.person.name,
            id_number=m.person.id_number,
            id_number_hash=m.person.id_number_hash,
            id_number_masked=mask_id_number(m.person.id_number),
            bound_at=timezone.now(),
            person=m.person,
        )
        users.append(User.objects.get(pk=user.pk))
    return users


def _bank(officer) -> None:
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(list(services.COLUMNS))
    seqs: dict[str, int] = {}
    for category, stem, kind, options, answer, difficulty, explanation in QUESTIONS:
        seqs[category] = seqs.get(category, 0) + 1
        ws.append([category, seqs[category], stem, kind, options, answer, difficulty, explanation])
    out = io.BytesIO()
    wb.save(out)
    services.question_import(actor=officer, content=out.getvalue(), filename="2021题库.xlsx")


def _issue_pdf(title: str, body: str) -> bytes:
    from minzheng.core import pdf

    return pdf.build(title=title, flowables=[pdf.para(title, "title"), pdf.para(body)])


def _issues(rng, secretary, branch, members_users) -> int:
    start = dt.date(2021, 3, 1)
    for n, topic in enumerate(TOPICS, start=1):
        day = start + dt.timedelta(days=round((n - 1) * 290 / 26))
        title = f"党史学习教育资料第{n}期：{topic}"
        body = (
            f"本期主题：{topic}。请结合《中国共产党简史》《论中国共产党历史》有关章节，"
            f"认真学习、做好笔记，并在“每日一学”中记录学习时长。"
        )
        minutes = rng.choice([15, 20, 20, 25, 30])
        issue = services.issue_create(
            actor=secretary,
            data=services.IssueInput(2021, n, title, body, minutes, [branch.pk]),
            files=[SimpleUploadedFile(f"2021-{n:02d}.pdf", _issue_pdf(title, body))],
        )
        StudyIssue.objects.filter(pk=issue.pk).update(
            status=StudyIssue.Status.PUBLISHED, published_at=_at(day, 9)
        )
        issue.refresh_from_db()
        for user in members_users:
            if rng.random() < 0.88:
                opened = _at(day + dt.timedelta(days=rng.randint(0, 6)), rng.randint(7, 22))
                finished = rng.random() < 0.85
                seconds = max(120, int(rng.gauss(minutes * 60, minutes * 15)))
                services.reading_record(
                    actor=user, issue=issue, seconds=seconds, finished=finished, now=opened
                )
    return len(TOPICS)


def _checkins(rng, members, first: dt.date, last: dt.date) -> int:
    """每日一学 from March to December: each member studies on most days (a habit of their
    own), about half an hour, from one of the set books."""
    division = members[0].branch.division_id
    p = {
        key: parameter_value(key, on=first, division_code=division)
        for key, *_rest in rules.PARAMETER_DEFAULTS
    }
    per_point = int(p["learning_minutes_per_point"].value)
    cap = int(p["learning_daily_points_cap"].value)
    record = {k: v.as_record() for k, v in p.items()}
    days, checkins = [], []
    for m in members:
        habit = rng.uniform(0.55, 0.97)
        day = first
        while day <= last:
            if rng.random() < habit:
                minutes = max(10, min(90, int(rng.gauss(32, 9))))
                days.append(
                    StudyDay(
                        member=m,
                        branch_id=m.branch_id,
                        division_id=m.branch.division_id,
                        day=day,
                        minutes=minutes,
                        points=rules.points_for(
                            minutes=minutes, minutes_per_point=per_point, points_today=0, cap=cap
                        ),
                    )
                )
            day += dt.timedelta(days=1)
    StudyDay.objects.bulk_create(days, batch_size=500)
    saved = {
        (d.member_id, d.day): d
        for d in StudyDay.objects.filter(member__in=members, day__gte=first, day__lte=last)
    }
    for (_member, day), d in saved.items():
        checkins.append(
            CheckIn(
                day=d,
                division_id=d.division_id,
                source=CheckIn.Source.TIMER,
                book=rules.SET_BOOKS[day.toordinal() % 2],
                minutes=d.minutes,
                points=d.points,
                parameters=record,
                created_at=_at(day, rng.choice([7, 12, 20, 21]), rng.randint(0, 59)),
            )
        )
    CheckIn.objects.bulk_create(checkins, batch_size=500)
    return len(days)


def _wrong(rng, sq) -> str:
    keys = [o["key"] for o in sq.options]
    if sq.kind == "single":
        return rng.choice([k for k in keys if k != sq.correct])
    if sq.kind == "judge":
        return "F" if sq.correct == "T" else "T"
    if sq.kind == "multiple":  # one missing (少选) or one too many (多选)
        if rng.random() < 0.6:
            return "".join(sorted(rng.sample(list(sq.correct), len(sq.correct) - 1)))
        extra = [k for k in keys if k not in sq.correct]
        return "".join(sorted(sq.correct + rng.choice(extra))) if extra else sq.correct[:-1]
    return rng.choice(["不清楚", "上海", "延安"])


def _tests(rng, secretary, branch, members_users) -> tuple[int, int]:
    categories = sorted({q[0] for q in QUESTIONS})
    spec = [
        {"category": c, "difficulty": d, "count": n}
        for c in categories
        for d, n in ((1, 2), (2, 2), (3, 1))
    ]
    ability = {u.pk: rng.uniform(0.6, 0.97) for u in members_users}
    sat = 0
    for month in range(3, 13):
        opens = _at(dt.date(2021, month, 20), 8)
        test = services.test_create(
            actor=secretary,
            data=services.TestInput(
                title=f"2021年{month}月“每月一测”",
                month=dt.date(2021, month, 1),
                mode="random",
                branch_ids=[branch.pk],
                time_limit_minutes=20,
                opens_at=opens,
                closes_at=opens + dt.timedelta(days=8, hours=14),
                points_per_question=5,
                spec=spec,
            ),
        )
        for user in members_users:
            if rng.random() > 0.92:
                continue  # missed this month's test
            start = opens + dt.timedelta(days=rng.randint(0, 7), hours=rng.randint(0, 13))
            sitting, _c = services.sitting_start(actor=user, test=test, now=start)
            rows = list(sitting.questions.all())
            for sq in rows:
                if rng.random() < 0.03:
                    continue  # left blank
                right = rng.random() < ability[user.pk] - 0.08 * (sq.question.difficulty - 1)
                sq.given = sq.correct.split("|")[0] if right else _wrong(rng, sq)
                sq.answered_at = start + dt.timedelta(seconds=40 * sq.position)
            SittingQuestion.objects.bulk_update(rows, ["given", "answered_at"])
            services.sitting_submit(
                actor=user,
                sitting_id=sitting.pk,
                now=start + dt.timedelta(minutes=rng.randint(9, 19)),
            )
            sat += 1
    return 10, sat


EVENTS = [
    (
        "lecture",
        "党史专题讲座：中国共产党百年奋斗历程",
        "区委党校专家",
        "南海区民政局会议室",
        dt.date(2021, 4, 15),
    ),
    (
        "visit",
        "参观西樵山抗日阵亡将士暨死难同胞纪念碑",
        "",
        "西樵山抗日阵亡将士暨死难同胞纪念碑",
        dt.date(2021, 5, 20),
    ),
    (
        "lecture",
        "党史专题讲座：从党史中汲取民政为民的力量",
        "市委党史研究室专家",
        "南海区民政局会议室",
        dt.date(2021, 6, 24),
    ),
    ("visit", "参观南海博物馆", "", "南海博物馆", dt.date(2021, 10, 14)),
    (
        "lecture",
        "学习党的十九届六中全会精神专题讲座",
        "高校马克思主义学院专家",
        "南海区民政局会议室",
        dt.date(2021, 11, 25),
    ),
]
OPENINGS = ["站在纪念碑前，", "这次学习让我深受触动，", "聆听讲解后，", "回顾这段历史，"]
THOUGHTS = [
    "我深刻感受到先烈们为民族独立和人民解放英勇献身的崇高精神，",
    "我更加理解了中国共产党为什么能、马克思主义为什么行，",
    "我认识到今天的幸福生活来之不易，必须倍加珍惜，",
]
ACTIONS = [
    "在今后的民政工作中，我要把学习成果转化为为群众办实事的实际行动，做好困难群众的兜底保障。",
    "我将立足本职岗位，践行全心全意为人民服务的宗旨，把每一件民生实事办好。",
    "我要学史力行，在救助、养老、殡葬等服务中多为群众着想，让群众少跑腿。",
]


def _events(rng, secretary, branch, members_users) -> tuple[int, int, int]:
    attended = reflections = 0
    for kind, title, speaker, site, day in EVENTS:
        starts = _at(day, 14, 30) if kind == "lecture" else _at(day, 9)
        event = services.event_create(
            actor=secretary,
            data=services.EventInput(
                kind=kind,
                title=title,
                site=site,
                speaker=speaker,
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=2 if kind == "lecture" else 3),
                branch_ids=[branch.pk],
                description="支部党员参加，扫码签到；参观后提交心得体会。"
                if kind == "visit"
                else "",
            ),
        )
        for user in members_users:
            if rng.random() > 0.86:
                continue
            services.attendance_check_in(
                actor=user, event=event, now=starts - dt.timedelta(minutes=rng.randint(0, 20))
            )
            attended += 1
            if kind == "visit" and rng.random() < 0.7:
                body = rng.choice(OPENINGS) + rng.choice(THOUGHTS) + rng.choice(ACTIONS)
                r = services.reflection_submit(
                    actor=user,
                    event=event,
                    title=f"{site}学习心得",
                    body=body,
                    now=starts + dt.timedelta(days=rng.randint(1, 6)),
                )
                reflections += 1
                if day.month == 5:  # the 西樵山 visit's reflections are all reviewed
                    reviewed = starts + dt.timedelta(days=8)
                    if rng.random() < 0.9:
                        services.reflection_review(
                            actor=secretary, reflection=r, decision="approve", now=reviewed
                        )
                    else:
                        services.reflection_review(
                            actor=secretary,
                            reflection=r,
                            decision="return",
                            note="请结合本职工作，写出具体的改进打算。",
                            now=reviewed,
                        )
    return len(EVENTS), attended, reflections


def run(*, stdout, password: str) -> str:
    parameters_ensure_defaults(rules.PARAMETER_DEFAULTS)
    branch = volunteers.party_branch_list().filter(name=BUREAU_BRANCH, division_id=DISTRICT).first()
    if branch is None:
        return "skipped: the volunteers demo has no bureau branch."
    secretary = ensure_account(
        username="party_secretary",
        display_name="机关党支部书记（演示）",
        division=DISTRICT,
        role=PARTY_SECRETARY,
        password=password,
    )
    SecretaryBranch.objects.get_or_create(user=secretary, branch=branch)
    secretary = User.objects.get(pk=secretary.pk)
    members = list(volunteers.party_members(branch_ids=[branch.pk]))
    if StudyIssue.objects.filter(division_id=DISTRICT, year=2021, number=len(TOPICS)).exists():
        return f"already loaded ({len(members)} members of {BUREAU_BRANCH})."
    rng = random.Random(SEED)
    officer = User.objects.get(username="district_officer")
    with transaction.atomic():
        users = _member_accounts(members)
        if not Question.objects.exists():
            _bank(officer)
        studying = [u for u in users if selectors.member_for_user(u) is not None]
        n_issues = _issues(rng, secretary, branch, studying)
        days = _checkins(
            rng,
            [selectors.member_for_user(u) for u in studying],
            dt.date(2021, 3, 1),
            dt.date(2021, 12, 31),
        )
        n_tests, sat = _tests(rng, secretary, branch, studying)
        n_events, attended, reflections = _events(rng, secretary, branch, studying)
    return (
        f"{BUREAU_BRANCH}: {len(studying)} members, {n_issues} issues, {days} study days, "
        f"{n_tests} monthly tests ({sat} sittings), {n_events} lectures and visits "
        f"({attended} check-ins, {reflections} reflections); accounts party_secretary and "
        f"party members on the portal (phones {', '.join(MEMBER_PHONES)})."
    )
