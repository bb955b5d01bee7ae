"""Exports of the assistance engine: the applications a search found, as xlsx.

Masked ID numbers only (the stored masked column; nothing is decrypted), the amounts and
states as shown on the pages, and one EXPORT row in the operation log with the filters.
"""

from __future__ import annotations

import io

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.permissions import require_perm

from .models import Application, State

COLUMNS: tuple[tuple[str, int], ...] = (
    ("申请编号", 16),
    ("救助项目", 16),
    ("申请人", 12),
    ("身份证号码", 22),
    ("所在地", 20),
    ("申请日期", 12),
    ("状态", 12),
    ("金额（元）", 12),
    ("金额性质", 10),
)
APPROVED = {State.APPROVED, State.PAID, State.CLOSED}


def applications_export_xlsx(*, actor, queryset: QuerySet[Application], filters: dict) -> bytes:
    """The applications of `queryset` (already narrowed to the actor's scope by
    `selectors.application_search`) as a workbook."""
    require_perm(actor, "programs.view_application")
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    states = {value: str(label) for value, label in State.choices}
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("救助申请"))
    for i, (_header, width) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    from openpyxl.cell import WriteOnlyCell

    header = []
    for title, _width in COLUMNS:
        cell = WriteOnlyCell(ws, value=_(title))
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    count = 0
    rows = queryset.values_list(
        "number",
        "programme__name",
        "applicant_name",
        "applicant_id_masked",
        "division__name",
        "submitted_on",
        "state",
        "amount",
    ).iterator(chunk_size=2000)
    for number, programme, name, id_masked, division, submitted, state, amount in rows:
        kind = _("核定") if state in APPROVED else (_("测算") if amount is not None else None)
        ws.append(
            [
                number,
                programme,
                name,
                id_masked or None,
                division,
                submitted,
                states.get(state, state),
                amount,
                kind,
            ]
        )
        count += 1
    out = io.BytesIO()
    wb.save(out)
    audit.record(
        actor=actor,
        action=audit.Action.EXPORT,
        summary=f"导出救助申请 {count} 条",
        target_type="programs.application",
        rows=count,
        filters={k: str(v) for k, v in filters.items() if v},
    )
    return out.getvalue()
