"""Exports of the registry.

Exports carry masked ID numbers and phones only: the masked columns are stored, so an
export never decrypts anything (full numbers are revealed one person at a time, logged,
through services.person_reveal).
"""

from __future__ import annotations

import io
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.models import Division
from minzheng.core.permissions import require_perm

from .models import Person, Sex
from .rules import age_on

EXPORT_CHUNK = 2000

# (header, column width) in sheet order.
PERSON_COLUMNS: tuple[tuple[str, int], ...] = (
    ("人员编号", 10),
    ("姓名", 12),
    ("性别", 6),
    ("年龄", 6),
    ("身份证号码", 22),
    ("手机号码", 16),
    ("户籍地", 18),
    ("居住地", 18),
    ("居住地址", 40),
)
_VALUES = (
    "pk",
    "name",
    "sex",
    "birth_date",
    "id_number_masked",
    "phone_masked",
    "hukou_division_id",
    "residence_division_id",
    "address",
)


def _json_safe(filters: dict[str, Any] | None) -> dict[str, Any]:
    """The filters as the operation log can store them (JSON), empty ones left out."""
    out: dict[str, Any] = {}
    for key, value in (filters or {}).items():
        if value in (None, "", False):
            continue
        out[key] = value if isinstance(value, (str, int, float, bool)) else str(value)
    return out


def persons_export_xlsx(
    *, actor, queryset: QuerySet[Person], filters: dict[str, Any] | None = None
) -> bytes:
    """The persons of `queryset` as an .xlsx workbook, and one EXPORT entry in the log.

    The caller passes a queryset already narrowed to the actor's scope
    (selectors.person_list); this function adds no filter of its own. Rows are read in
    chunks with values_list, so no model instance is built and no encrypted column is
    read; division names come from one dictionary instead of a join per row."""
    require_perm(actor, "registry.export_persons")
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    names = dict(Division.objects.values_list("code", "name"))
    sexes = {value: str(label) for value, label in Sex.choices}

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("人员"))
    for i, (_header, width) in enumerate(PERSON_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header, _width in PERSON_COLUMNS:
        cell = WriteOnlyCell(ws, value=_(header))
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)

    count = 0
    rows = queryset.values_list(*_VALUES).iterator(chunk_size=EXPORT_CHUNK)
    today = timezone.localdate()
    for pk, name, sex, birth, id_masked, phone_masked, hukou, residence, address in rows:
        # Empty strings become empty cells, not cells holding "".
        ws.append(
            [
                pk,
                name,
                sexes.get(sex),
                age_on(birth, today),  # never the birth date beside a masked number
                id_masked or None,
                phone_masked or None,
                names.get(hukou) if hukou else None,
                names.get(residence),
                address or None,
            ]
        )
        count += 1

    out = io.BytesIO()
    wb.save(out)
    audit.record(
        actor=actor,
        action=audit.Action.EXPORT,
        summary=f"导出人员 {count} 条",
        target_type="registry.person",
        rows=count,
        filters=_json_safe(filters),
    )
    return out.getvalue()
