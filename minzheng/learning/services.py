"""Every write of the study app. Services validate everything first (one ValidationError
with a field → Chinese message, so bad input writes nothing), then write in
transaction.atomic(); SMS go out through core.sms.sms_queue in the same transaction."""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass, field

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit, workflow
from minzheng.core.params import parameter_value
from minzheng.core.permissions import require_perm
from minzheng.core.scope import code_in_scope
from minzheng.core.services import attachment_add, upload_errors
from minzheng.core.sms import sms_queue
from minzheng.core.validators import name_error
from minzheng.volunteers import selectors as volunteers

from . import rules, selectors
from .models import (
    CheckIn,
    Event,
    EventAttendance,
    FixedQuestion,
    MonthlyTest,
    Question,
    ReadingRecord,
    Reflection,
    ReflectionState,
    SecretaryBranch,
    Sitting,
    SittingQuestion,
    SittingState,
    StudyDay,
    StudyIssue,
)
from .workflows import REFLECTION, SITTING

MATERIAL_TYPES = (".pdf", ".jpg", ".jpeg", ".png", ".mp4")
MATERIAL_MAX_BYTES = 200 * 1024 * 1024
EVENT_SALT = "learning.event-checkin"


def _member(actor):
    """The signed-in party member (a resident bound to a party-member volunteer)."""
    member = selectors.member_for_user(actor)
    if member is None:
        raise ValidationError({"member": _("您的账号未关联在册的党员志愿者，请联系所在党支部。")})
    return member


def _branch_ids_error(actor, branch_ids) -> str | None:
    if not branch_ids:
        return _("请至少选择一个党支部。")
    allowed = set(selectors.staff_branches(actor).values_list("pk", flat=True))
    if not set(branch_ids) <= allowed:
        return _("所选党支部不在您的管理范围内。")
    return None


def _publisher_division(actor) -> str:
    return actor.division_id


# ---------------------------------------------------------------- secretaries


def secretary_assign(*, actor, user, branch_id: int) -> SecretaryBranch:
    """Make a staff account the secretary of a branch (its learning pages narrow to it)."""
    require_perm(actor, "learning.add_secretarybranch")
    branch = volunteers.party_branch_list(user=actor).filter(pk=branch_id).first()
    if branch is None or getattr(user, "kind", "") != "staff":
        raise ValidationError({"branch": _("党支部或账号不正确。")})
    with transaction.atomic():
        link, _created = SecretaryBranch.objects.get_or_create(user=user, branch=branch)
        audit.record(actor=actor, action=audit.Action.CREATE, target=link, summary=branch.name)
    return link


# ---------------------------------------------------------------- study material


@dataclass
class IssueInput:
    year: int
    number: int
    title: str
    body: str
    reading_minutes: int
    branch_ids: list[int] = field(default_factory=list)


def issue_create(*, actor, data: IssueInput, files=()) -> StudyIssue:
    """A draft issue with its attachments (PDF, images, video). A refused file refuses the
    whole issue."""
    require_perm(actor, "learning.add_studyissue")
    errors: dict[str, str] = {}
    if not data.title or not data.title.strip():
        errors["title"] = _("请填写标题。")
    elif name_error(data.title):
        errors["title"] = name_error(data.title)
    if not data.body or not data.body.strip():
        errors["body"] = _("请填写正文。")
    if not (2000 <= (data.year or 0) <= 2100):
        errors["year"] = _("年度不正确。")
    if not (1 <= (data.number or 0) <= 999):
        errors["number"] = _("期号应为 1–999。")
    if not (1 <= (data.reading_minutes or 0) <= 600):
        errors["reading_minutes"] = _("预计阅读时间应为 1–600 分钟。")
    if e := _branch_ids_error(actor, data.branch_ids):
        errors["branches"] = e
    for f in files:
        errors.update(upload_errors(f, allowed=MATERIAL_TYPES, max_bytes=MATERIAL_MAX_BYTES))
    division = _publisher_division(actor)
    if (
        not errors
        and StudyIssue.objects.filter(
            division_id=division, year=data.year, number=data.number
        ).exists()
    ):
        errors["number"] = _("%(y)s 年第 %(n)s 期已存在。") % {"y": data.year, "n": data.number}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        issue = StudyIssue.objects.create(
            year=data.year,
            number=data.number,
            title=data.title.strip(),
            body=data.body.strip(),
            reading_minutes=data.reading_minutes,
            division_id=division,
            created_by=actor,
        )
        issue.branches.set(data.branch_ids)
        for f in files:
            attachment_add(
                actor=actor,
                owner=issue,
                upload=f,
                kind="学习资料",
                allowed=MATERIAL_TYPES,
                max_bytes=MATERIAL_MAX_BYTES,
            )
        audit.record(actor=actor, action=audit.Action.CREATE, target=issue, summary=str(issue))
    return issue


def issue_publish(*, actor, issue: StudyIssue) -> StudyIssue:
    require_perm(actor, "learning.change_studyissue")
    if issue.status == StudyIssue.Status.PUBLISHED:
        raise ValidationError({"status": _("该期资料已发布。")})
    with transaction.atomic():
        now = timezone.now()
        updated = StudyIssue.objects.filter(pk=issue.pk, status=StudyIssue.Status.DRAFT).update(
            status=StudyIssue.Status.PUBLISHED, published_at=now
        )
        if not updated:
            raise ValidationError({"status": _("该期资料已发布。")})
        issue.status, issue.published_at = StudyIssue.Status.PUBLISHED, now
        audit.record(actor=actor, action=audit.Action.UPDATE, target=issue, summary="发布")
    return issue


def reading_record(
    *, actor, issue: StudyIssue, seconds: int = 0, finished: bool = False, now=None
) -> ReadingRecord:
    """Open (first call), add time read, mark read to the end. The issue must be one the
    member's branch received (callers fetch it with selectors.member_issue)."""
    member = _member(actor)
    if not (0 <= seconds <= 3600):
        raise ValidationError({"seconds": _("阅读时长不正确。")})
    now = now or timezone.now()
    with transaction.atomic():
        record, _created = ReadingRecord.objects.get_or_create(
            issue=issue,
            member=member,
            defaults={
                "branch_id": member.branch_id,
                "division_id": member.branch.division_id,
                "opened_at": now,
            },
        )
        record = ReadingRecord.objects.select_for_update().get(pk=record.pk)
        fields = []
        if seconds:
            record.seconds_spent += seconds
            fields.append("seconds_spent")
        if finished and record.finished_at is None:
            record.finished_at = now
            fields.append("finished_at")
        if fields:
            record.save(update_fields=fields)
    return record


# ---------------------------------------------------------------- daily study


def checkin_create(
    *,
    actor,
    minutes,
    source: str = CheckIn.Source.TIMER,
    book: str = "",
    issue: StudyIssue | None = None,
    now=None,
) -> CheckIn:
    """Add study time for today. Points: one per `learning_minutes_per_point`, up to the
    day's cap; refused once the day's points or minutes are at their caps. The member's
    day row is locked (SELECT … FOR UPDATE), so two check-ins cannot both pass a cap."""
    member = _member(actor)
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    division = member.branch.division_id
    p = {
        key: parameter_value(key, on=today, division_code=division)
        for key, *_rest in rules.PARAMETER_DEFAULTS
    }
    per_point = int(p["learning_minutes_per_point"].value)
    points_cap = int(p["learning_daily_points_cap"].value)
    minutes_cap = int(p["learning_daily_minutes_cap"].value)
    once_cap = int(p["learning_checkin_max_minutes"].value)
    errors: dict[str, str] = {}
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        try:
            minutes = int(str(minutes))
        except (TypeError, ValueError):
            minutes = None
    if minutes is None or minutes < 1:
        errors["minutes"] = _("学习时长至少 1 分钟。")
    elif minutes > once_cap:
        errors["minutes"] = _("单次打卡不能超过 %(n)s 分钟。") % {"n": once_cap}
    if source not in CheckIn.Source.values:
        errors["source"] = _("学习方式不正确。")
    elif source == CheckIn.Source.TIMER and book not in rules.SET_BOOKS:
        errors["book"] = _("请选择学习书目。")
    elif source == CheckIn.Source.MATERIAL and issue is None:
        errors["issue"] = _("请选择学习资料。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        day, _created = StudyDay.objects.get_or_create(
            member=member,
            day=today,
            defaults={"branch_id": member.branch_id, "division_id": division},
        )
        day = StudyDay.objects.select_for_update().get(pk=day.pk)
        if day.points >= points_cap:
            raise ValidationError(
                {"minutes": _("今日学习积分已达上限 %(n)s 分，明天再来吧。") % {"n": points_cap}}
            )
        if day.minutes + minutes > minutes_cap:
            raise ValidationError(
                {
                    "minutes": _(
                        "今日已记学习 %(d)s 分钟，每日最多记 %(cap)s 分钟，本次最多还能记 %(left)s 分钟。"
                    )
                    % {"d": day.minutes, "cap": minutes_cap, "left": minutes_cap - day.minutes}
                }
            )
        points = rules.points_for(
            minutes=minutes, minutes_per_point=per_point, points_today=day.points, cap=points_cap
        )
        day.minutes += minutes
        day.points += points
        day.save(update_fields=["minutes", "points"])
        checkin = CheckIn.objects.create(
            day=day,
            division_id=division,
            source=source,
            book=book if source == CheckIn.Source.TIMER else "",
            issue=issue if source == CheckIn.Source.MATERIAL else None,
            minutes=minutes,
            points=points,
            parameters={k: v.as_record() for k, v in p.items()},
            created_at=now,
        )
    return checkin


def reminders_send(*, day: dt.date | None = None, channel: str = "sms") -> int:
    """每日一学 reminders: one SMS (console in the embedded setup) to each party member of a
    branch that receives study material and who has not studied today. Keyed per member
    and day, so running the command twice sends each reminder once. Returns how many were
    queued. channel="app" queues none: the portal shows the reminder on its own."""
    day = day or timezone.localdate()
    if channel == "app":
        return 0
    studied = set(StudyDay.objects.filter(day=day).values_list("member_id", flat=True))
    branch_ids = selectors.studying_branch_ids()
    queued = 0
    with transaction.atomic():
        for member in volunteers.party_members(branch_ids=branch_ids):
            if member.pk in studied:
                continue
            row = sms_queue(
                phone=member.person.phone,
                text=_("【南海民政】%(name)s同志，今天的“每日一学”还没有完成，请抽空学习半小时。")
                % {"name": member.person.name},
                source="learning.remind",
                key=f"learning.remind:{day:%Y%m%d}:{member.pk}",
            )
            queued += row is not None
    return queued


# ---------------------------------------------------------------- question bank

COLUMNS = ("分类", "序号", "题干", "题型", "选项", "答案", "难度", "解析")
KINDS = {"单选": "single", "多选": "multiple", "判断": "judge", "填空": "fill"}
DIFFICULTIES = {"易": 1, "简单": 1, "1": 1, "中": 2, "中等": 2, "2": 2, "难": 3, "困难": 3, "3": 3}
JUDGE_ANSWERS = {
    "对": "T",
    "正确": "T",
    "√": "T",
    "T": "T",
    "错": "F",
    "错误": "F",
    "×": "F",
    "F": "F",
}
MAX_IMPORT_ROWS = 5000


@dataclass
class QuestionInput:
    category: str
    seq: int | None
    stem: str
    kind: str  # single / multiple / judge / fill
    options: list[dict]
    answer: str
    difficulty: int | None
    explanation: str = ""


def parse_options(text: str) -> list[dict]:
    """ "A.党的一大|B.党的二大" or one option per line ("A、…"), as [{"key", "text"}]."""
    items = [p.strip() for p in str(text or "").replace("\r", "").replace("\n", "|").split("|")]
    out = []
    for item in items:
        if not item:
            continue
        key, rest = item[0].upper(), item[1:].lstrip(".、．:： ")
        out.append({"key": key, "text": rest.strip()})
    return out


def question_errors(data: QuestionInput) -> dict[str, str]:
    """Everything wrong with one question, column → message (shared by import and edit)."""
    e: dict[str, str] = {}
    if not data.category or len(data.category) > 40:
        e["分类"] = _("请填写分类（不超过 40 字）。")
    if data.seq is None or not (1 <= data.seq <= 999999):
        e["序号"] = _("序号应为正整数。")
    if not data.stem or not data.stem.strip():
        e["题干"] = _("请填写题干。")
    if data.kind not in KINDS.values():
        e["题型"] = _("题型应为 单选、多选、判断 或 填空。")
        return e
    if data.difficulty not in (1, 2, 3):
        e["难度"] = _("难度应为 易、中 或 难。")
    keys = rules.option_keys(data.options)
    if data.kind in ("single", "multiple"):
        if len(keys) < 2 or len(keys) > 8:
            e["选项"] = _("选择题应有 2–8 个选项，如“A.…|B.…”。")
        elif keys != [chr(ord("A") + i) for i in range(len(keys))] or not all(
            o["text"] for o in data.options
        ):
            e["选项"] = _("选项应依次为 A、B、C…，每项都要有内容。")
        elif data.kind == "single" and (len(data.answer) != 1 or data.answer not in keys):
            e["答案"] = _("单选题的答案应为一个选项字母。")
        elif data.kind == "multiple" and (
            len(data.answer) < 2
            or len(set(data.answer)) != len(data.answer)
            or not set(data.answer) <= set(keys)
        ):
            e["答案"] = _("多选题的答案应为两个或以上不重复的选项字母，如“ACD”。")
    elif data.kind == "judge":
        if data.answer not in ("T", "F"):
            e["答案"] = _("判断题的答案应为“对”或“错”。")
    elif not data.answer.strip() or len(data.answer) > 200:
        e["答案"] = _("请填写填空题的答案（多个可接受答案用“|”分隔）。")
    return e


def _row_input(row: tuple) -> QuestionInput:
    cells = [("" if c is None else str(c).strip()) for c in (list(row) + [None] * 8)[:8]]
    category, seq, stem, kind, options, answer, difficulty, explanation = cells
    kind = KINDS.get(kind, kind or "?")
    try:
        seq_n = int(float(seq)) if seq else None
    except ValueError:
        seq_n = None
    answer = answer.replace(" ", "")
    if kind in ("single", "multiple"):
        answer = "".join(sorted(answer.upper().replace(",", "").replace("，", "")))
    elif kind == "judge":
        answer = JUDGE_ANSWERS.get(answer.upper() if answer in ("t", "f") else answer, answer)
    diff = DIFFICULTIES.get(difficulty.removesuffix(".0"))
    return QuestionInput(
        category=category,
        seq=seq_n,
        stem=stem,
        kind=kind,
        options=(
            rules.JUDGE_OPTIONS
            if kind == "judge"
            else parse_options(options)
            if kind in ("single", "multiple")
            else []
        ),
        answer=answer if kind != "fill" else cells[5],
        difficulty=diff,
        explanation=explanation,
    )


@dataclass
class ImportResult:
    created: int
    updated: int


def question_import(*, actor, content: bytes, filename: str = "") -> ImportResult:
    """Import an xlsx of questions (columns 分类 序号 题干 题型 选项 答案 难度 解析), all or
    nothing: one bad row refuses the file, with every error as “第 N 行“列”：…”. A row
    whose 分类 and 序号 exist updates that question (its history keeps the old text)."""
    require_perm(actor, "learning.import_question")
    from openpyxl import load_workbook

    if not filename.lower().endswith(".xlsx") or not content.startswith(b"PK\x03\x04"):
        raise ValidationError({"file": _("请上传 xlsx 格式的题库文件。")})
    try:
        ws = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
    except Exception:  # noqa: BLE001 - any unreadable workbook is the same refusal
        raise ValidationError({"file": _("无法读取该文件，请确认是有效的 xlsx 表格。")}) from None
    if not rows:
        raise ValidationError({"file": _("表格是空的。")})
    header = tuple(("" if c is None else str(c).strip()) for c in rows[0][:8])
    if header != COLUMNS:
        raise ValidationError(
            {"file": _("第 1 行应为表头：%(cols)s。") % {"cols": "、".join(COLUMNS)}}
        )
    body = [(i + 2, r) for i, r in enumerate(rows[1:]) if any(c not in (None, "") for c in r)]
    if not body:
        raise ValidationError({"file": _("表格中没有题目。")})
    if len(body) > MAX_IMPORT_ROWS:
        raise ValidationError({"file": _("一次最多导入 %(n)s 题。") % {"n": MAX_IMPORT_ROWS}})
    messages: list[str] = []
    inputs: list[QuestionInput] = []
    seen: dict[tuple, int] = {}
    for line, row in body:
        data = _row_input(row)
        for col, msg in question_errors(data).items():
            messages.append(
                _("第 %(n)s 行“%(col)s”：%(msg)s") % {"n": line, "col": col, "msg": msg}
            )
        key = (data.category, data.seq)
        if data.seq is not None and key in seen:
            messages.append(
                _("第 %(n)s 行“序号”：与第 %(m)s 行重复。") % {"n": line, "m": seen[key]}
            )
        seen.setdefault(key, line)
        inputs.append(data)
    if messages:
        raise ValidationError({"file": messages})
    existing = {(q.category, q.seq): q for q in Question.objects.all()}
    created = updated = 0
    with transaction.atomic():
        for data in inputs:
            q = existing.get((data.category, data.seq))
            values = _question_values(data)
            if q is None:
                Question.objects.create(**values)
                created += 1
            elif any(getattr(q, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(q, k, v)
                q._change_reason = "导入更新"
                q.save()
                updated += 1
        audit.record(
            actor=actor,
            action=audit.Action.IMPORT,
            summary=f"导入题库 {filename}：新增 {created}，更新 {updated}",
            target_type="learning.question",
        )
    return ImportResult(created=created, updated=updated)


def _question_values(data: QuestionInput) -> dict:
    return {
        "category": data.category,
        "seq": data.seq,
        "stem": data.stem.strip(),
        "kind": data.kind,
        "options": data.options,
        "answer": data.answer,
        "difficulty": data.difficulty,
        "explanation": data.explanation.strip(),
    }


def question_update(*, actor, question: Question, data: QuestionInput, reason: str) -> Question:
    """Edit one question; django-simple-history keeps every earlier version with the reason."""
    require_perm(actor, "learning.change_question")
    errors = {k: v for k, v in question_errors(data).items()}
    if (
        Question.objects.filter(category=data.category, seq=data.seq)
        .exclude(pk=question.pk)
        .exists()
    ):
        errors["序号"] = _("该分类下已有此序号。")
    if not reason or not reason.strip():
        errors["reason"] = _("请填写修改原因。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        for k, v in _question_values(data).items():
            setattr(question, k, v)
        question._change_reason = reason.strip()[:100]
        question.save()
        audit.record(
            actor=actor, action=audit.Action.UPDATE, target=question, summary=reason.strip()
        )
    return question


# ---------------------------------------------------------------- monthly tests


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
    member = member if member is not None else _member(actor)
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


# ---------------------------------------------------------------- lectures and visits


@dataclass
class EventInput:
    kind: str
    title: str
    site: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    branch_ids: list[int]
    speaker: str = ""
    description: str = ""


def event_create(*, actor, data: EventInput) -> Event:
    require_perm(actor, "learning.add_event")
    errors: dict[str, str] = {}
    if data.kind not in Event.Kind.values:
        errors["kind"] = _("类型不正确。")
    if not data.title or not data.title.strip():
        errors["title"] = _("请填写名称。")
    if not data.site or not data.site.strip():
        errors["site"] = _("请填写地点。")
    if data.kind == Event.Kind.LECTURE and not (data.speaker or "").strip():
        errors["speaker"] = _("讲座请填写主讲人。")
    if not data.starts_at or not data.ends_at or data.ends_at <= data.starts_at:
        errors["ends_at"] = _("结束时间应晚于开始时间。")
    if e := _branch_ids_error(actor, data.branch_ids):
        errors["branches"] = e
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        event = Event.objects.create(
            kind=data.kind,
            title=data.title.strip(),
            speaker=(data.speaker or "").strip(),
            site=data.site.strip(),
            starts_at=data.starts_at,
            ends_at=data.ends_at,
            description=(data.description or "").strip(),
            division_id=_publisher_division(actor),
            created_by=actor,
        )
        event.branches.set(data.branch_ids)
        audit.record(actor=actor, action=audit.Action.CREATE, target=event, summary=event.title)
    return event


def event_token(event: Event) -> str:
    return signing.dumps({"e": event.pk}, salt=EVENT_SALT, compress=True)


def event_from_token(token: str) -> Event:
    try:
        data = signing.loads(token, salt=EVENT_SALT, max_age=dt.timedelta(days=400))
        return Event.objects.get(pk=data["e"])
    except (signing.BadSignature, KeyError, TypeError, Event.DoesNotExist):
        raise ValidationError({"token": _("二维码无效或已过期。")}) from None


CHECKIN_BEFORE = dt.timedelta(hours=1)


def attendance_check_in(*, actor, event: Event, member=None, now=None) -> EventAttendance:
    """A member checks in by scanning the event's QR code (member=None: the signed-in
    member), or staff scan a member's code. From an hour before the start to the end."""
    now = now or timezone.now()
    if member is None:
        member = _member(actor)
        method = EventAttendance.Method.QR
    else:
        require_perm(actor, "learning.add_eventattendance")
        if not code_in_scope(actor, event.division_id):
            raise Http404
        method = EventAttendance.Method.STAFF
    if not selectors.member_can_see(member, event):
        raise ValidationError({"token": _("您所在的党支部不在本次活动的参加范围内。")})
    if not (event.starts_at - CHECKIN_BEFORE <= now <= event.ends_at):
        raise ValidationError({"token": _("不在签到时间内（活动开始前 1 小时至结束）。")})
    if EventAttendance.objects.filter(event=event, member=member).exists():
        raise ValidationError({"token": _("已签到，无需重复签到。")})
    try:
        with transaction.atomic():
            return EventAttendance.objects.create(
                event=event,
                member=member,
                branch_id=member.branch_id,
                division_id=member.branch.division_id,
                checked_in_at=now,
                method=method,
            )
    except IntegrityError:
        raise ValidationError({"token": _("已签到，无需重复签到。")}) from None


def reflection_submit(*, actor, event: Event, title: str, body: str, now=None) -> Reflection:
    """A member's 心得体会 on an event they attended; a returned one is rewritten and sent
    again (the same row, its history keeps the earlier text)."""
    member = _member(actor)
    errors: dict[str, str] = {}
    if not title or not title.strip() or len(title) > 80:
        errors["title"] = _("请填写标题（不超过 80 字）。")
    if not body or len(body.strip()) < 50:
        errors["body"] = _("心得体会至少 50 字。")
    elif len(body) > 5000:
        errors["body"] = _("心得体会不能超过 5000 字。")
    if not EventAttendance.objects.filter(event=event, member=member).exists():
        errors["event"] = _("签到参加活动后才能提交心得体会。")
    existing = Reflection.objects.filter(event=event, member=member).first()
    if existing and existing.state != ReflectionState.RETURNED:
        errors["event"] = _("您已提交过本次活动的心得体会。")
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    with transaction.atomic():
        if existing:
            existing.title, existing.body, existing.submitted_at = title.strip(), body.strip(), now
            existing.save(update_fields=["title", "body", "submitted_at"])
            workflow.move(workflow=REFLECTION, obj=existing, name="resubmit", actor=actor)
            return existing
        reflection = Reflection.objects.create(
            event=event,
            member=member,
            branch_id=member.branch_id,
            division_id=member.branch.division_id,
            title=title.strip(),
            body=body.strip(),
            submitted_at=now,
        )
        workflow.start(workflow=REFLECTION, obj=reflection, name="submit", actor=actor)
    return reflection


def reflection_review(
    *, actor, reflection: Reflection, decision: str, note: str = "", now=None
) -> Reflection:
    """The branch secretary approves a reflection or returns it with a note."""
    require_perm(actor, "learning.review_reflection")
    if not selectors.staff_branches(actor).filter(pk=reflection.branch_id).exists():
        raise Http404
    if decision not in ("approve", "return"):
        raise ValidationError({"decision": _("请选择审阅结果。")})
    if decision == "return" and not note.strip():
        raise ValidationError({"review_note": _("退回时请写明修改意见。")})
    with transaction.atomic():
        workflow.move(
            workflow=REFLECTION,
            obj=reflection,
            name=decision,
            actor=actor,
            reason=note.strip(),
            extra_updates={
                "reviewed_by": actor,
                "reviewed_at": now or timezone.now(),
                "review_note": note.strip(),
            },
        )
        audit.record(actor=actor, action=audit.Action.UPDATE, target=reflection, summary=decision)
    return reflection
