"""The question bank: all-or-nothing xlsx import, edits with history."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.permissions import require_perm

from .. import rules
from ..models import (
    Question,
)

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


def question_row_input(row: tuple) -> QuestionInput:
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
        data = question_row_input(row)
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
