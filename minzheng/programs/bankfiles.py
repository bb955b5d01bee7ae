"""The bank file (xlsx, one row per line) and the bank's return file (line id, 成功/失败, reason)."""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from .models import DisbursementBatch

BANK_HEADER = ["明细编号", "户名", "开户银行", "银行账号", "金额（元）", "用途"]
RETURN_HEADER = ["明细编号", "结果", "说明"]
OK_WORDS = {"成功", "success", "ok"}
FAIL_WORDS = {"失败", "failed", "fail"}


def bank_file_xlsx(batch: DisbursementBatch) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("发放明细")
    ws.append(BANK_HEADER)
    purpose = f"救助金 {batch.number}"
    for line in batch.lines.order_by("id").iterator(chunk_size=2000):
        ws.append(
            [
                line.pk,
                line.payee_name,
                line.bank_name,
                line.bank_account,
                float(line.amount),
                purpose,
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def return_file_xlsx(rows: list[tuple[int, str, str]]) -> bytes:
    """Build a return file (tests, bench and the demo play the bank)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("回盘")
    ws.append(RETURN_HEADER)
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def parse_return_file(content: bytes) -> dict[int, tuple[bool, str]]:
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise ValidationError(
            {"file": _("无法读取回盘文件，请上传银行返回的 xlsx 文件。")}
        ) from None
    rows = wb.worksheets[0].iter_rows(values_only=True)
    header = [str(c or "").strip() for c in next(rows, [])][:3]
    if header[:2] != RETURN_HEADER[:2]:
        raise ValidationError({"file": _("回盘文件第一行应为：明细编号、结果、说明。")})
    results: dict[int, tuple[bool, str]] = {}
    errors = []
    for n, row in enumerate(rows, start=2):
        if not row or all(c in (None, "") for c in row):
            continue
        raw_id, status = row[0], str(row[1] or "").strip().lower()
        reason = str(row[2] or "").strip() if len(row) > 2 else ""
        try:
            line_id = int(raw_id)
        except (TypeError, ValueError):
            errors.append(_("第 %(n)d 行：明细编号无效") % {"n": n})
            continue
        if status not in OK_WORDS | FAIL_WORDS:
            errors.append(_("第 %(n)d 行：结果应为“成功”或“失败”") % {"n": n})
        elif line_id in results:
            errors.append(_("第 %(n)d 行：明细编号 %(id)d 重复") % {"n": n, "id": line_id})
        else:
            results[line_id] = (status in OK_WORDS, reason)
        if len(errors) >= 10:
            break
    if errors:
        raise ValidationError({"file": "；".join(errors)})
    if not results:
        raise ValidationError({"file": _("回盘文件没有明细。")})
    return results
