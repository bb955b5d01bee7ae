"""Bulk import of persons and households from an .xlsx or .csv file.

Format
    One sheet (or CSV) whose first row holds the headers of COLUMNS, in any order; extra
    columns are ignored and a trailing "*" marks the required ones. Rows that share a
    户编号 form one household: an existing household (same number in the database and
    within the user's scope) is joined; a new one is created with the residence division
    and address of its first row in the file, and must have exactly one row whose
    与户主关系 is 户主. Blank rows and the template's example row (姓名 starting with
    "示例") are skipped. Row numbers in messages are the spreadsheet's: the header is 1.
    CSV may be UTF-8 (with or without BOM) or GB18030, which Excel writes on Chinese
    Windows.

How a job runs (persons_import_start → core.tasks.enqueue → persons_import_run)
    Pass 1, stage "校验", streams the file and validates every row with
    services.person_build, the rules of single registration, plus what only a file can
    get wrong: duplicates within the file, ID numbers already registered (looked up by
    blind index, CHUNK rows per query), divisions outside the user's scope and the
    household rules. Memory holds only compact per-row facts: each ID number as 8 bytes
    in a flat array (its first 17 digits determine the check character, so they identify
    it exactly; duplicates are found by sorting at the end) and one int per household.
    Any error fails the job, nothing is written, and the job lists up to MAX_ERRORS
    errors as {row, column, message}.

    What happens to the valid rows depends on the database; either way, a file with any
    error leaves nothing written.

    SQLite: validate, then write, resumably. Pass 1 spools each row, ready to insert (ID
    number and phone already encrypted), to an anonymous temporary file, so that pass 2
    does not run person_build again (it costs about as much as the writes). Pass 2,
    stage "导入", writes the spool in transactions of _rows_per_commit() rows, CHUNK rows
    per statement. Each transaction locks the job row, checks that
    ``result["committed_row"]`` is still the row it expects, writes persons, households,
    memberships and their history rows, and advances that marker and the progress in the
    same commit. Hence:

    * the progress bar moves while the import runs, and other users' writes get the
      database's single write lock between two transactions (a few seconds each);
    * a crash leaves whole transactions only, and running the task again resumes after
      the last committed row: the spool is gone with the crashed process, so the rest of
      the file is parsed again (same parser, same person_build), without re-validating
      the whole file; the unique blind index still refuses any ID number registered
      in between, and the job then fails naming those rows;
    * two runs of the same job cannot both write: the second sees the marker moved and
      stops.

    The price: after a crash or such a clash the job can end failed with its first rows
    imported; its message says how many and up to which row.

    PostgreSQL: validate and write at once, in one transaction. Pass 1 alone is bound by
    Python on one core and the writes by the server's index maintenance (~170 µs a row
    at a million rows, FK checks and WAL included) on the other; run one after the
    other they cannot reach the target, overlapped they can. So a _BackgroundWriter
    thread, on its own connection, writes the rows as pass 1 validates them, all in one
    transaction, which it commits only once the whole file has proved valid and rolls
    back otherwise. The progress is written by the job's own connection, outside that
    transaction, so the status page sees it move. A crash rolls everything back; the job
    stays "running" and running the task again starts over (if the crash came after
    validation, it takes the SQLite way from the resume marker, which the writer
    commits with the rows). Until the commit, a registration of an ID number that is in
    the file waits for the import to end (unique index), then is refused as a duplicate.
    Inside a caller's transaction (tests) the writer's connection could not see the
    caller's rows, so PostgreSQL then takes the SQLite way.

Why the writes bypass Model.bulk_create
    Target (bench/import_persons.py): 1,000,000 CSV rows at ≥ 5,000 rows/s, peak RSS
    < 500 MB, 2 cores, SQLite and PostgreSQL. Measured on SQLite, persons alone cost about
    105 µs a row through ``Person.objects.bulk_create`` and 250 µs through simple_history's
    ``bulk_create_with_history``, nearly all of it Django preparing each value of each
    field (SQLite's 999-parameter limit also cuts batches to ~50 rows). The whole budget
    is 200 µs a row, and person_build alone takes ~40 µs. So _insert_rows runs one
    executemany (SQLite) or COPY (PostgreSQL) per table and batch, with values already
    in database form (ciphertext from pii.encrypt, dates through the backend's
    adapter). Its column list comes from the model's _meta and every column the importer
    does not set gets its value from the field itself (default, auto_now …), so a field
    added later is not silently skipped.
    History rows are written the same way, as simple_history writes a creation: type
    "+", the importing user, one history date per transaction, and the same ciphertext
    as the live row. Primary keys are allocated up front (_allocate_ids) so that history
    rows and memberships can point at them without RETURNING.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import logging
import pickle
import queue
import tempfile
import threading
import time
import zipfile
from array import array
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minzheng.core import audit
from minzheng.core.models import Division, Job
from minzheng.core.permissions import require_perm
from minzheng.core.scope import code_in_scope
from minzheng.core.services import job_create, job_finish, job_progress
from minzheng.core.tasks import enqueue

from . import pii
from .models import Household, HouseholdMember, Person
from .services import PersonInput, person_build

log = logging.getLogger(__name__)

JOB_KIND = "registry.persons_import"
CHUNK = 2000  # rows per database lookup, per spool block and per progress update
MAX_ERRORS = 1000
EXAMPLE_MARK = "示例"
SHEET_TITLE = "人员信息"


class Column(NamedTuple):
    key: str
    header: str
    required: bool
    width: int
    example: str
    note: Any  # lazy translation


# fmt: off
COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", True, 12, "示例：张三",
           gettext_lazy("必填，不超过 40 个字。姓名以“示例”开头的行不会导入。")),
    Column("id_number", "身份证号码", False, 22, "440605199001011236",
           gettext_lazy("18 位，末位可为 X。请保持该列为文本格式，否则 Excel 会把号码改成科学计数法。")),
    Column("sex", "性别", False, 6, "男", gettext_lazy("男或女；填写了身份证号码时可不填。")),
    Column("birth_date", "出生日期", False, 12, "1990-01-01",
           gettext_lazy("如 1990-01-01；填写了身份证号码时可不填。")),
    Column("phone", "手机号码", False, 14, "13812345678", gettext_lazy("11 位手机号码或带区号的固定电话。")),
    Column("hukou_division", "户籍地区划代码", False, 16, "440605011001",
           gettext_lazy("12 位统计用区划代码，可不填。")),
    Column("residence_division", "居住地区划代码", True, 16, "440605011001",
           gettext_lazy("必填，12 位统计用区划代码，须在您的管辖范围内。")),
    Column("address", "居住地址", False, 36, "桂城街道南海大道北 1 号", gettext_lazy("不超过 200 个字。")),
    Column("household", "户编号", False, 18, "HH0001",
           gettext_lazy("同一户的人员填写相同的户编号；新户须有且只有一人为户主。不属于任何户可不填。")),
    Column("relation", "与户主关系", False, 12, "户主",
           gettext_lazy("户主、配偶、子女、父母、孙子女、祖父母、兄弟姐妹、儿媳/女婿、其他。")),
)
# fmt: on
HEADER_ROW = [c.header + ("*" if c.required else "") for c in COLUMNS]
_COLUMN_ORDER = {c.header: i for i, c in enumerate(COLUMNS)}

# person_build's error keys → the column the user has to fix.
_FIELD_COLUMN = {c.key: c.header for c in COLUMNS}
_SEX = {"男": "M", "女": "F", "男性": "M", "女性": "F", "M": "M", "F": "F", "m": "M", "f": "F"}
# Words of household registers besides the choice labels.
_RELATION_SYNONYMS = {
    word: value
    for value, words in {
        "head": "本人 户主本人",
        "spouse": "妻 妻子 夫 丈夫",
        "child": "子 女 儿子 女儿 长子 次子 三子 长女 次女 三女 养子 养女 继子 继女",
        "parent": "父 母 父亲 母亲",
        "grandchild": "孙子 孙女 外孙子 外孙女",
        "grandparent": "祖父 祖母 外祖父 外祖母",
        "sibling": "兄 弟 姐 妹 哥哥 弟弟 姐姐 妹妹",
        "child_in_law": "儿媳 女婿",
    }.items()
    for word in words.split()
}
_XLSX_MAGIC = b"PK\x03\x04"


# ------------------------------------------------------------------------- templates


def import_template_xlsx() -> bytes:
    """The import template: bold headers, one example row, text-formatted code columns
    (so that Excel keeps all 18 digits of an ID number) and a "填写说明" sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_TITLE
    ws.append(HEADER_ROW)
    ws.append([c.example for c in COLUMNS])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    text_columns = {"id_number", "phone", "hukou_division", "residence_division", "household"}
    for i, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = column.width
        ws.cell(row=1, column=i).font = bold
        ws.cell(row=1, column=i).fill = fill
        if column.key in text_columns:
            ws.column_dimensions[letter].number_format = "@"
            ws.cell(row=2, column=i).number_format = "@"
    ws.freeze_panes = "A2"

    notes = wb.create_sheet(_("填写说明"))
    notes.append([_("列"), _("是否必填"), _("说明")])
    for cell in notes[1]:
        cell.font = bold
    for column in COLUMNS:
        notes.append([column.header, _("必填") if column.required else _("选填"), str(column.note)])
    notes.append([])
    notes.append(
        [_("第 2 行是示例，导入时会被忽略，可以删除。区划代码可在“主数据管理 → 行政区划”中查询。")]
    )
    for letter, width in (("A", 16), ("B", 10), ("C", 80)):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=2, max_col=3):
        row[2].alignment = Alignment(wrap_text=True)

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def import_template_csv() -> bytes:
    """The template as CSV, UTF-8 with BOM (without it Excel shows Chinese as mojibake)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(HEADER_ROW)
    writer.writerow([c.example for c in COLUMNS])
    return text.getvalue().encode("utf-8-sig")


# ------------------------------------------------------------------------- start


def _sniff_csv_encoding(head: bytes) -> str | None:
    """utf-8-sig, gb18030, or None when the bytes are not text at all."""
    if b"\x00" in head:
        return None
    for encoding, name in (("utf-8", "utf-8-sig"), ("gb18030", "gb18030")):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return name
    return None


def persons_import_start(*, actor, filename: str, content: bytes) -> Job:
    """Check the file's type and queue its import; the returned job shows the progress.

    Only the name and the first bytes are checked here, so that the request returns at
    once; the rows are checked by persons_import_run."""
    require_perm(actor, "registry.import_persons")
    name = Path(filename or "").name
    ext = Path(name).suffix.lower()
    if ext not in (".xlsx", ".csv"):
        raise ValidationError({"file": _("仅支持 .xlsx 或 .csv 文件")})
    if not content:
        raise ValidationError({"file": _("文件是空的，请重新选择。")})
    head = content[:65536]
    if (ext == ".xlsx" and not head.startswith(_XLSX_MAGIC)) or (
        ext == ".csv" and _sniff_csv_encoding(head) is None
    ):
        raise ValidationError(
            {"file": _("文件内容与扩展名“%(ext)s”不符，可能已损坏或被改名。") % {"ext": ext}}
        )
    with transaction.atomic():
        job = job_create(
            actor=actor,
            kind=JOB_KIND,
            params={"filename": name[:200], "format": ext.lstrip(".")},
            input_bytes=content,
            filename=name,
        )
        enqueue(persons_import_run, job_id=job.pk)
    return job


# ------------------------------------------------------------------------- reading

Rows = Iterator[tuple[int, list[Any]]]


@contextmanager
def _open_rows(job: Job) -> Iterator[tuple[int, Rows]]:
    """(estimated number of data rows, iterator of (spreadsheet row number, cells))."""
    fmt = job.params.get("format") or Path(job.input_file.name).suffix.lstrip(".").lower()
    fh = job.input_file.storage.open(job.input_file.name, "rb")
    raw = getattr(fh, "file", fh)
    try:
        if fmt == "xlsx":
            from openpyxl import load_workbook

            wb = load_workbook(raw, read_only=True, data_only=True)
            try:
                ws = wb[SHEET_TITLE] if SHEET_TITLE in wb.sheetnames else wb.worksheets[0]
                estimate = max((ws.max_row or 1) - 1, 0)
                yield estimate, enumerate((list(r) for r in ws.iter_rows(values_only=True)), 1)
            finally:
                wb.close()
        else:
            lines = 0
            while block := raw.read(1 << 20):
                lines += block.count(b"\n")
            raw.seek(0)
            encoding = _sniff_csv_encoding(raw.read(65536)) or "utf-8-sig"
            raw.seek(0)
            text = io.TextIOWrapper(raw, encoding=encoding, newline="")
            try:
                yield max(lines - 1, 0), enumerate(csv.reader(text), 1)
            finally:
                text.detach()
    finally:
        fh.close()


def _norm_header(value: Any) -> str:
    text = "".join(str(value if value is not None else "").split())
    return text.replace("*", "").replace("＊", "")


def _text(value: Any) -> str:
    """A cell as text: Excel gives numbers and dates, CSV gives strings."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value).strip()


def _parse_date(value: Any) -> dt.date | None:
    """A date from a cell; ValueError when the text is not a date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    for fmt in ("%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


class _Header(NamedTuple):
    positions: dict[str, int]  # column key → cell index
    missing: list[str]  # required headers not found


def _read_header(cells: list[Any]) -> _Header:
    by_name = {c.header: c.key for c in COLUMNS}
    positions: dict[str, int] = {}
    for i, value in enumerate(cells):
        key = by_name.get(_norm_header(value))
        if key and key not in positions:
            positions[key] = i
    missing = [c.header for c in COLUMNS if c.required and c.key not in positions]
    return _Header(positions, missing)


@dataclass(slots=True)
class _Row:
    number: int
    person: Person
    errors: list[tuple[str, str]]  # (column header, message)
    household: str
    relation: str  # a HouseholdMember.Relation value, "" when not given


class _RowParser:
    """The cells of one row → an unsaved Person (through person_build) and the household
    facts. Used by both passes, so that they cannot disagree."""

    def __init__(self, header: _Header):
        self.index = {c.key: header.positions.get(c.key, -1) for c in COLUMNS}
        self.name_index = self.index["name"]
        self.codes = set(Division.objects.values_list("code", flat=True))
        # Labels are lazy and a task may run with another language active; the file
        # format is Chinese whatever the user's language.
        with translation.override("zh-hans"):
            labels = {str(label): value for value, label in HouseholdMember.Relation.choices}
        self.relations = {**_RELATION_SYNONYMS, **labels, **{v: v for v in labels.values()}}
        self.relation_labels = "、".join(labels)

    def is_skipped(self, cells: list[Any]) -> bool:
        """Blank rows and the template's example row."""
        for value in cells:
            if value is not None and (not isinstance(value, str) or value.strip()):
                break
        else:
            return True
        i = self.name_index
        name = cells[i] if i < len(cells) else None
        return isinstance(name, str) and name.lstrip().startswith(EXAMPLE_MARK)

    def parse(self, number: int, cells: list[Any]) -> _Row:
        n, index = len(cells), self.index

        def cell(key: str) -> Any:
            i = index[key]
            return cells[i] if 0 <= i < n else None

        errors: list[tuple[str, str]] = []
        id_value = cell("id_number")
        if isinstance(id_value, float):
            message = _(
                "身份证号码被 Excel 存成了数字，末尾几位已丢失；请把该列设为文本格式后重新填写。"
            )
            errors.append(("身份证号码", message))
            id_value = ""
        try:
            birth = _parse_date(cell("birth_date"))
        except ValueError:
            errors.append(("出生日期", _("出生日期格式不正确，请填写如 1990-01-01。")))
            birth = None
        sex = _text(cell("sex"))
        data = PersonInput(
            name=_text(cell("name")),
            residence_division_code=_text(cell("residence_division")),
            id_number=_text(id_value),
            phone=_text(cell("phone")),
            sex=_SEX.get(sex, sex),
            birth_date=birth,
            hukou_division_code=_text(cell("hukou_division")),
            address=_text(cell("address")),
        )
        person, field_errors = person_build(data, division_codes=self.codes)
        for field, message in field_errors.items():
            column = _FIELD_COLUMN.get(field, field)
            if all(c != column for c, _m in errors):
                errors.append((column, message))

        household = _text(cell("household"))
        relation_text = "".join(_text(cell("relation")).split())
        relation = self.relations.get(relation_text, "") if relation_text else ""
        if relation_text and not relation:
            message = _("与户主关系“%(value)s”无法识别，可填：%(choices)s。") % {
                "value": relation_text,
                "choices": self.relation_labels,
            }
            errors.append(("与户主关系", message))
        if len(household) > 40:
            errors.append(("户编号", _("户编号不能超过 40 个字符。")))
        elif household and not relation_text:
            errors.append(("与户主关系", _("填写了户编号时须填写与户主关系。")))
        elif relation_text and not household:
            errors.append(("户编号", _("填写了与户主关系时须填写户编号。")))
        return _Row(number, person, errors, household, relation)


# A validated row in database form, as spooled between the passes and written by pass 2:
# (row number, name, sex, birth date, id token, id hash, id masked, phone token,
#  phone hash, phone masked, hukou code, residence code, address, household, relation)
Record = tuple


def _record(row: _Row, adapt_date) -> Record:
    p = row.person
    return (
        row.number, p.name, p.sex, adapt_date(p.birth_date), pii.encrypt(p.id_number),
        p.id_number_hash, p.id_number_masked, pii.encrypt(p.phone), p.phone_hash,
        p.phone_masked, p.hukou_division_id, p.residence_division_id, p.address,
        row.household, row.relation,
    )  # fmt: skip


class _Spool:
    """Validated rows in database form on an anonymous temporary file (unlinked at
    once, gone with the process), so that pass 2 does not parse the file again. ID
    numbers and phones in it are already encrypted."""

    def __init__(self) -> None:
        # Closed by close(), called in persons_import_run's finally.
        self.file = tempfile.TemporaryFile(dir=getattr(settings, "FILE_UPLOAD_TEMP_DIR", None))  # noqa: SIM115
        self.buffer: list[Record] = []

    def add(self, record: Record) -> None:
        self.buffer.append(record)
        if len(self.buffer) == CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self.buffer:
            pickle.dump(self.buffer, self.file, protocol=pickle.HIGHEST_PROTOCOL)
            self.buffer = []

    def __iter__(self) -> Iterator[Record]:
        self._flush()
        self.file.seek(0)
        while True:
            try:
                block = pickle.load(self.file)  # noqa: S301 - our own file, never shared
            except EOFError:
                return
            yield from block

    def close(self) -> None:
        self.file.close()


# ------------------------------------------------------------------------- pass 1


class _Errors:
    """Errors as {row, column, message}, at most MAX_ERRORS."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    @property
    def full(self) -> bool:
        return len(self.items) >= MAX_ERRORS

    def add(self, row: int | str, column: str, message: str) -> None:
        if not self.full:
            self.items.append({"row": row, "column": column, "message": str(message)})

    def sorted(self) -> list[dict[str, Any]]:
        def key(e: dict[str, Any]) -> tuple[int, int]:
            return (
                e["row"] if isinstance(e["row"], int) else 0,
                _COLUMN_ORDER.get(e["column"], -1),
            )

        return sorted(self.items, key=key)


# Household states kept by the validator as [state, first row, head row].
_NEW, _EXISTING_OPEN, _EXISTING_HEADED, _EXISTING_ELSEWHERE = range(4)


# A household seen in pass 1 is one int: state | head row << 2 | first row << 33. A
# million-row file has some 350,000 households; a list per household would cost ~35 MB more.
def _household(state: int, first: int, head: int) -> int:
    return state | head << 2 | first << 33


def _household_parts(packed: int) -> tuple[int, int, int]:
    """(state, first row, head row)"""
    return packed & 3, packed >> 33, (packed >> 2) & 0x7FFFFFFF


class _Validator:
    """Pass 1. Row checks happen as rows arrive; checks against the database are batched
    per CHUNK rows; the check that every new household has a head waits for the end."""

    def __init__(self, actor, errors: _Errors, sink: _Spool | _BackgroundWriter | None):
        self.actor = actor
        self.errors = errors
        self.sink = sink  # where valid rows go: the spool, or PostgreSQL's writer
        self.adapt_date = connections[router.db_for_write(Person)].ops.adapt_datefield_value
        self.rows = 0
        # Each valid ID number's first 17 digits (which determine the check character)
        # and its row, in flat arrays: a dict of a million ints would cost ~100 MB and
        # leave the heap fragmented for pass 2. Duplicates are found by sorting at the end.
        self.id_keys = array("q")
        self.id_rows = array("i")
        self.households: dict[str, int] = {}  # number → _household(...)
        self.scope_cache: dict[str, bool] = {}
        self.pending_ids: dict[str, int] = {}  # blind index → row, for the database check
        self.pending_households: list[tuple[int, str, str]] = []

    def in_scope(self, code: str) -> bool:
        hit = self.scope_cache.get(code)
        if hit is None:
            hit = self.scope_cache[code] = code_in_scope(self.actor, code)
        return hit

    def add(self, row: _Row) -> None:
        self.rows += 1
        number, person, errors = row.number, row.person, self.errors
        for column, message in row.errors:
            errors.add(number, column, message)
        bad = {c for c, _m in row.errors}
        code = person.residence_division_id
        if code and "居住地区划代码" not in bad and not self.in_scope(code):
            errors.add(number, "居住地区划代码", _("居住地不在您的管辖范围内。"))
        if person.id_number_hash and "身份证号码" not in bad:
            self.id_keys.append(int(person.id_number[:17]))
            self.id_rows.append(number)
            self.pending_ids.setdefault(person.id_number_hash, number)
        if row.household and len(row.household) <= 40:
            self.pending_households.append((number, row.household, row.relation))
        if self.sink is not None:
            if errors.items:  # the job will fail: drop what the sink has
                self.sink.close()
                self.sink = None
            else:
                self.sink.add(_record(row, self.adapt_date))
        if len(self.pending_ids) >= CHUNK or len(self.pending_households) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.pending_ids:
            found = Person.objects.filter(id_number_hash__in=list(self.pending_ids))
            for digest, pk, division in found.values_list(
                "id_number_hash", "pk", "residence_division_id"
            ):
                row = self.pending_ids[digest]
                if self.in_scope(division):
                    message = _("该身份证号码已登记（人员编号 %(id)s），请勿重复导入。") % {
                        "id": pk
                    }
                else:
                    message = _(
                        "该身份证号码已在其他镇街登记，不能重复登记；如需迁入请联系区民政局。"
                    )
                self.errors.add(row, "身份证号码", message)
            self.pending_ids = {}
        if self.pending_households:
            self._check_households(self.pending_households)
            self.pending_households = []

    def _check_households(self, items: list[tuple[int, str, str]]) -> None:
        unknown = {number for _row, number, _rel in items if number not in self.households}
        existing = (
            dict(Household.objects.filter(number__in=unknown).values_list("number", "division_id"))
            if unknown
            else {}
        )
        if existing:
            headed = set(
                HouseholdMember.objects.filter(
                    household__number__in=list(existing),
                    relation=HouseholdMember.Relation.HEAD,
                    left_on__isnull=True,
                ).values_list("household__number", flat=True)
            )
            for number, division in existing.items():
                if not self.in_scope(division):
                    state = _EXISTING_ELSEWHERE
                else:
                    state = _EXISTING_HEADED if number in headed else _EXISTING_OPEN
                self.households[number] = _household(state, 0, 0)
        for row, number, relation in items:
            packed = self.households.get(number)
            if packed is None:
                packed = self.households[number] = _household(_NEW, row, 0)
            state, first, head = _household_parts(packed)
            if state == _EXISTING_ELSEWHERE:
                message = _("户编号“%(number)s”已存在，且不在您的管辖范围内。") % {"number": number}
                self.errors.add(row, "户编号", message)
            elif relation != HouseholdMember.Relation.HEAD:
                continue
            elif state == _EXISTING_HEADED:
                message = _("户编号“%(number)s”已有户主，不能再导入户主。") % {"number": number}
                self.errors.add(row, "与户主关系", message)
            elif head:
                message = _("户编号“%(number)s”已有户主（第 %(row)d 行），一户只能有一名户主。") % {
                    "number": number,
                    "row": head,
                }
                self.errors.add(row, "与户主关系", message)
            else:
                self.households[number] = _household(state, first, row)

    def _check_duplicates(self) -> None:
        """Report each ID number that occurs twice: the later row, and the first row once."""
        keys, rows = self.id_keys, self.id_rows
        shift = max(len(keys), 1).bit_length()
        mask = (1 << shift) - 1
        # key << shift | index sorts by key, then by position in the file.
        previous, first, flagged = -1, 0, False
        for packed in sorted(key << shift | i for i, key in enumerate(keys)):
            key, row = packed >> shift, rows[packed & mask]
            if key != previous:
                previous, first, flagged = key, row, False
                continue
            message = _("与第 %(row)d 行的身份证号码重复。")
            self.errors.add(row, "身份证号码", message % {"row": first})
            if not flagged:
                flagged = True
                self.errors.add(first, "身份证号码", message % {"row": row})

    def finish(self) -> None:
        self.flush()
        self._check_duplicates()
        for number, packed in self.households.items():
            state, first, head = _household_parts(packed)
            if state == _NEW and not head:
                message = _(
                    "户编号“%(number)s”是新户，但没有户主：须有一行的与户主关系为“户主”。"
                ) % {"number": number}
                self.errors.add(first, "与户主关系", message)


# ------------------------------------------------------------------------- pass 2


def _allocate_ids(model, n: int, connection) -> list[int]:
    """n fresh primary keys, taken before inserting so that dependent rows can refer to
    them. Call inside the inserting transaction: on SQLite it holds the database's write
    lock (BEGIN IMMEDIATE), so nobody else can take the same ids."""
    if n == 0:
        return []
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk, n],
            )
            return sorted(r[0] for r in cursor.fetchall())
        if connection.vendor == "sqlite":
            # AUTOINCREMENT never reuses an id, not even a deleted row's: honour sqlite_sequence.
            qn = connection.ops.quote_name
            cursor.execute(
                f"SELECT MAX(x) FROM (SELECT MAX({qn(pk)}) AS x FROM {qn(table)} "
                "UNION ALL SELECT seq FROM sqlite_sequence WHERE name = %s)",
                [table],
            )
            start = (cursor.fetchone()[0] or 0) + 1
            return list(range(start, start + n))
    raise NotImplementedError(
        f"the bulk import supports SQLite and PostgreSQL, not {connection.vendor}"
    )


def _insert_rows(
    model,
    columns: list[str],
    rows: list[tuple],
    connection,
    *,
    fixed: dict[str, Any] | None = None,
    like: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """INSERT rows given in database form for `columns`: one executemany on SQLite, one
    COPY on PostgreSQL.

    Every other concrete column (but an automatic primary key) gets the value a plain
    save would give it, computed once per call by the field itself: its default,
    auto_now/auto_now_add, or `fixed` (attribute → Python value). `like` (column →
    database value, as returned by a previous call) comes before the defaults: history
    rows pass the live rows' values, because historical models turn auto_now off.
    Returns the column → database value map used for those other columns."""
    if not rows:
        return {}
    fixed, like = fixed or {}, like or {}
    probe = model(**fixed)
    constants: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        if field.column in columns or field.primary_key:
            continue
        if field.column in like and field.attname not in fixed:
            constants[field.column] = like[field.column]
        else:
            constants[field.column] = field.get_db_prep_save(
                field.pre_save(probe, True), connection
            )
    names = [*columns, *constants]
    qn = connection.ops.quote_name
    table, column_list = qn(model._meta.db_table), ", ".join(qn(c) for c in names)
    tail = tuple(constants.values())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY streams the rows in one round trip; executemany would wait for the
            # server after every row. The raw psycopg cursor bypasses Django's error
            # translation, hence wrap_database_errors (IntegrityError for a clash).
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy,
            ):
                for r in rows:
                    copy.write_row(r + tail)
        else:
            placeholders = ", ".join(["%s"] * len(names))
            sql = f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})"
            cursor.executemany(sql, [r + tail for r in rows] if tail else rows)
    return constants


# Record fields 1–12 are the person's columns, in this order, then created_by.
_PERSON_COLUMNS = [
    "id", "name", "sex", "birth_date", "id_number", "id_number_hash", "id_number_masked", "phone",
    "phone_hash", "phone_masked", "hukou_division_id", "residence_division_id", "address", "created_by_id",
]  # fmt: skip


def _rows_per_commit(connection) -> int:
    """Rows per pass-2 transaction. On SQLite every commit writes each index page the
    transaction touched to the WAL, and the random-order indexes (blind indexes, names,
    birth dates, twice with history) put nearly every row on its own page; larger
    transactions amortise that, measured: see bench/README.md. PostgreSQL is not
    sensitive to it, so it commits every CHUNK rows."""
    if connection.vendor == "sqlite":
        return getattr(settings, "REGISTRY_IMPORT_SQLITE_COMMIT_ROWS", 20 * CHUNK)
    return CHUNK


@contextmanager
def _import_connection(connection) -> Iterator[None]:
    """A larger SQLite page cache while importing: the indexes of a growing table are
    read back for every row, and with the default 2 MB cache each read is a system
    call. Measured at a million rows: 128 MB → 179 s of CPU and 300 MB peak RSS,
    256 MB → 150 s and 444 MB; the default sits between. Restored afterwards, because
    the connection may be reused."""
    if connection.vendor != "sqlite":
        yield
        return
    mb = getattr(settings, "REGISTRY_IMPORT_SQLITE_CACHE_MB", 192)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-int(mb) * 1024}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


class _Superseded(Exception):
    """Another run of the same job has committed rows this run meant to write."""


class _Stopped(Exception):
    """The job has been marked failed; nothing more to do."""


class _Writer:
    """Writes validated records: persons, new households, memberships and the history
    rows of all three, and advances the job's resume marker, in one transaction."""

    def __init__(self, job: Job, actor):
        self.job = job
        self.actor = actor
        self.connection = connections[router.db_for_write(Person)]
        # (id hash, row) of the transaction being written, to name rows after a clash.
        self.written: list[tuple[str | None, int]] = []

    def write(self, records: Iterator[Record], *, limit: int, counts: dict[str, int]) -> bool:
        """Write up to `limit` records from `records` in one transaction, CHUNK rows per
        statement so that only CHUNK records are in memory at once. False when none was
        left. Takes the job row's lock first: with it, the check of the resume marker
        and the writes cannot interleave with another run of the same job."""
        conn = self.connection
        self.written = []
        with transaction.atomic(using=conn.alias):
            locked = (
                Job.objects.select_for_update()
                .filter(pk=self.job.pk)
                .values_list("result", flat=True)
            )
            result = locked.first() or {}
            if result.get("committed_row") != counts["committed_row"]:
                raise _Superseded
            if conn.vendor == "postgresql":
                # Not waiting for the WAL flush of every transaction: after a crash the
                # last few may be lost, together with their resume marker, and are
                # written again when the job resumes.
                with conn.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            history = {
                "history_date": timezone.now(),
                "history_type": "+",
                "history_user_id": self.actor.pk,
            }
            done = dict(counts)
            for batch in _batches(itertools.islice(records, limit), CHUNK):
                self.written.extend((r[5], r[0]) for r in batch)
                done["households"] += self._write_batch(batch, history)
                done["created"] += len(batch)
                done["committed_row"] = batch[-1][0]
            if not self.written:
                return False
            result = {**result, **done}
            Job.objects.filter(pk=self.job.pk).update(
                result=result, done=done["created"], status=Job.Status.RUNNING
            )
        counts.update(done)
        self.job.result, self.job.done = result, done["created"]
        return True

    def _write_batch(self, records: list[Record], history: dict[str, Any]) -> int:
        """Insert one batch; returns the number of households created."""
        conn = self.connection
        ids = _allocate_ids(Person, len(records), conn)
        actor_id = self.actor.pk
        person_rows = [(pk, *r[1:13], actor_id) for pk, r in zip(ids, records, strict=True)]
        same = _insert_rows(Person, _PERSON_COLUMNS, person_rows, conn)
        _insert_rows(
            Person.history.model, _PERSON_COLUMNS, person_rows, conn, fixed=history, like=same
        )
        return self._households(records, ids, history)

    def _households(
        self, records: list[Record], person_ids: list[int], history: dict[str, Any]
    ) -> int:
        conn = self.connection
        members = [(r, pk) for r, pk in zip(records, person_ids, strict=True) if r[13]]
        if not members:
            return 0
        numbers = list(dict.fromkeys(r[13] for r, _pk in members))
        known = dict(Household.objects.filter(number__in=numbers).values_list("number", "pk"))
        firsts: dict[str, Record] = {}
        for r, _pk in members:
            if r[13] not in known:
                firsts.setdefault(r[13], r)
        household_rows = []
        for pk, (number, r) in zip(
            _allocate_ids(Household, len(firsts), conn), firsts.items(), strict=True
        ):
            known[number] = pk
            household_rows.append((pk, number, r[11], r[12]))
        columns = ["id", "number", "division_id", "address"]
        same = _insert_rows(Household, columns, household_rows, conn)
        _insert_rows(
            Household.history.model, columns, household_rows, conn, fixed=history, like=same
        )
        member_ids = _allocate_ids(HouseholdMember, len(members), conn)
        member_rows = [
            (mid, known[r[13]], pk, r[14]) for mid, (r, pk) in zip(member_ids, members, strict=True)
        ]
        columns = ["id", "household_id", "person_id", "relation"]
        same = _insert_rows(HouseholdMember, columns, member_rows, conn)
        _insert_rows(
            HouseholdMember.history.model, columns, member_rows, conn, fixed=history, like=same
        )
        return len(household_rows)


_COMMIT, _ABORT = object(), object()


class _Aborted(Exception):
    pass


class _BackgroundWriter:
    """PostgreSQL only: writes validated records while pass 1 is still reading the file,
    in ONE transaction on the thread's own connection, committed only once the whole
    file has proved valid (commit()), rolled back otherwise (close()).

    Pass 1 is bound by Python on one core and pass 2 by the server's index work on the
    other; overlapping them is what brings PostgreSQL within the target (module doc).
    Rows the thread has written are invisible to everyone, the validator included,
    until the commit, so validation still sees the database as it was."""

    def __init__(self, job: Job, actor):
        self.job_id, self.actor = job.pk, actor
        self.queue: queue.Queue = queue.Queue(maxsize=8)  # at most ~8 × CHUNK records held
        self.buffer: list[Record] = []
        self.written = self.households = 0
        self.batch_rows: list[tuple[str | None, int]] = []  # (id hash, row) being written
        self.error: BaseException | None = None
        self.thread = threading.Thread(
            target=self._run, name=f"import-writer-{job.pk}", daemon=True
        )
        self.thread.start()

    def add(self, record: Record) -> None:
        self.buffer.append(record)
        if len(self.buffer) == CHUNK:
            self._put(self.buffer)
            self.buffer = []

    def _put(self, item: Any) -> None:
        # A writer that has failed reads no more: never block on its full queue.
        while self.error is None and self.thread.is_alive():
            try:
                self.queue.put(item, timeout=1)
                return
            except queue.Full:
                continue

    def close(self) -> None:
        """Abandon: roll back whatever was written. Safe to call more than once."""
        self.buffer = []
        self._put(_ABORT)
        self.thread.join()

    def commit(self, on_progress) -> None:
        """Send the rest, let the thread commit, and report progress while it works."""
        if self.buffer:
            self._put(self.buffer)
            self.buffer = []
        self._put(_COMMIT)
        while self.thread.is_alive():
            on_progress(self.written)
            self.thread.join(timeout=1)

    def _run(self) -> None:
        from django.db import connection

        try:
            writer = _Writer(None, self.actor)
            history = {
                "history_date": timezone.now(),
                "history_type": "+",
                "history_user_id": self.actor.pk,
            }
            last_row = 1
            with transaction.atomic():
                while (item := self.queue.get()) is not _COMMIT:
                    if item is _ABORT:
                        raise _Aborted
                    self.batch_rows = [(r[5], r[0]) for r in item]
                    self.households += writer._write_batch(item, history)
                    self.written += len(item)
                    last_row = item[-1][0]
                # The resume marker commits with the rows: a crash after this commit and
                # before job_finish resumes with nothing left to write.
                locked = (
                    Job.objects.select_for_update()
                    .filter(pk=self.job_id)
                    .values_list("result", flat=True)
                )
                done = {
                    "committed_row": last_row,
                    "created": self.written,
                    "households": self.households,
                }
                Job.objects.filter(pk=self.job_id).update(result={**(locked.first() or {}), **done})
        except _Aborted:
            pass
        except BaseException as exc:  # reported by the main thread
            self.error = exc
        finally:
            connection.close()


def _overlap_writes(connection) -> bool:
    """Write during validation (PostgreSQL) unless the caller holds a transaction: the
    writer's own connection could not see the caller's uncommitted rows."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


# ------------------------------------------------------------------------- the task


def persons_import_run(*, job_id: int) -> None:
    """Run (or resume) an import job. Safe to call twice: a finished job is left alone,
    a job that stopped while writing resumes after its last committed row."""
    job = Job.objects.select_related("created_by__division").get(pk=job_id)
    if job.status in (Job.Status.SUCCEEDED, Job.Status.FAILED):
        return
    actor = job.created_by
    if not actor.has_perm("registry.import_persons"):
        _fail(job, [_error("", "", _("您的角色没有批量导入人员的权限。"))])
        return
    sink: _Spool | _BackgroundWriter | None = None
    try:
        if not job.result.get("validated"):
            overlap = _overlap_writes(connections[router.db_for_write(Person)])
            sink = _BackgroundWriter(job, actor) if overlap else _Spool()
            if not _validate(job, actor, sink):
                return
            if overlap:
                _finish_background(job, actor, sink)
                return
        _import(job, actor, sink)
    except _Superseded:
        log.info("import job %s: another run is writing it; this run stops", job.pk)
    except _Stopped:
        pass
    except Exception:
        log.exception("import job %s failed", job.pk)
        job.refresh_from_db(fields=["status", "result"])
        if job.status not in (Job.Status.SUCCEEDED, Job.Status.FAILED):
            message = _("导入时发生系统错误，请稍后重试或联系管理员。")
            _fail(job, [_error("", "", message)], _partial_result(job.result))
    finally:
        if sink is not None:
            sink.close()


def _error(row: int | str, column: str, message: str) -> dict[str, Any]:
    return {"row": row, "column": column, "message": str(message)}


def _fail(job: Job, errors: list[dict[str, Any]], result: dict[str, Any] | None = None) -> None:
    job_finish(
        job=job, ok=False, result=result or {"message": _("未导入任何数据。")}, errors=errors
    )
    _discard_input(job)


def _discard_input(job: Job) -> None:
    """Delete the uploaded file once the job is over: it holds ID numbers and phones in
    plaintext, and a finished job is never run again (a fixed file is a new upload)."""
    if job.input_file:
        job.input_file.delete(save=False)
        Job.objects.filter(pk=job.pk).update(input_file="")


def _partial_result(result: dict[str, Any]) -> dict[str, Any]:
    created = result.get("created", 0)
    if not created:
        return {**result, "message": _("未导入任何数据。")}
    message = _("已导入第 %(row)d 行及以前的 %(n)d 人，其余未导入。") % {
        "row": result.get("committed_row", 1),
        "n": created,
    }
    return {**result, "message": message}


def _validate(job: Job, actor, sink: _Spool | _BackgroundWriter) -> bool:
    """Pass 1. True when every row is valid; the job is then marked validated."""
    try:
        return _validate_rows(job, actor, sink)
    except UnicodeDecodeError:
        message = _(
            "文件编码无法识别，请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后重新上传。"
        )
        _fail(job, [_error("", "", message)])
        return False
    except (OSError, ValueError, KeyError, EOFError, csv.Error, zipfile.BadZipFile):
        # Corrupt or disguised files fail inside openpyxl and zipfile in varied ways.
        log.warning("import job %s: unreadable file", job.pk, exc_info=True)
        _fail(job, [_error("", "", _("无法读取文件，请确认是未损坏的 .xlsx 或 .csv 文件。"))])
        return False


def _validate_rows(job: Job, actor, sink: _Spool | _BackgroundWriter) -> bool:
    started, cpu = time.monotonic(), time.process_time()
    errors = _Errors()
    with _open_rows(job) as (estimate, rows):
        header = _read_header(next(rows, (1, []))[1])
        if header.missing:
            for name in header.missing:
                errors.add(1, name, _("缺少必填列“%(name)s”，请使用导入模板。") % {"name": name})
            _fail(job, errors.sorted(), {"message": _("文件格式不正确，未导入任何数据。")})
            return False
        parser = _RowParser(header)
        validator = _Validator(actor, errors, sink)
        job_progress(job=job, done=0, total=estimate, stage=_("校验"))
        for number, cells in rows:
            if parser.is_skipped(cells):
                continue
            validator.add(parser.parse(number, cells))
            if errors.full:
                break
            if validator.rows % CHUNK == 0:
                job_progress(job=job, done=validator.rows, total=max(estimate, validator.rows))
        if not errors.full:
            validator.finish()
    if not errors.items and validator.rows == 0:
        errors.add("", "", _("文件中没有可导入的人员。"))
    if errors.items:
        if errors.full:
            message = _("问题较多，已停止校验，仅列出前 %(n)d 处；未导入任何数据。") % {
                "n": MAX_ERRORS
            }
        else:
            message = _("发现 %(n)d 处问题，未导入任何数据。") % {"n": len(errors.items)}
        _fail(job, errors.sorted(), {"rows": validator.rows, "message": message})
        return False
    result = {
        "validated": True,
        "rows": validator.rows,
        "committed_row": 1,
        "created": 0,
        "households": 0,
        # Wall and CPU time of each pass, for operations (docs/performance.md).
        "validate_seconds": round(time.monotonic() - started, 1),
        "validate_cpu_seconds": round(time.process_time() - cpu, 1),
    }
    Job.objects.filter(pk=job.pk).update(
        result=result, done=0, total=validator.rows, stage=_("导入")
    )
    job.result, job.done, job.total, job.stage = result, 0, validator.rows, _("导入")
    return True


def _records_from_file(job: Job, after_row: int, adapt_date) -> Iterator[Record]:
    """Rows after `after_row`, parsed again: the resume path, when the spool is gone."""
    with _open_rows(job) as (_estimate, rows):
        parser = _RowParser(_read_header(next(rows, (1, []))[1]))
        for number, cells in rows:
            if number <= after_row or parser.is_skipped(cells):
                continue
            row = parser.parse(number, cells)
            if row.errors:  # valid in pass 1; only changed master data gets here
                raise ValidationError(f"row {number} is no longer valid: {row.errors}")
            yield _record(row, adapt_date)


def _batches(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    batch: list[Record] = []
    for record in records:
        batch.append(record)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _import(job: Job, actor, spool: _Spool | None) -> None:
    """Pass 2: the records in transactions of _rows_per_commit() rows (see the module doc)."""
    started, cpu = time.monotonic(), time.process_time()
    result = dict(job.result)
    counts = {k: result.get(k, 0) for k in ("created", "households")}
    counts["committed_row"] = result.get("committed_row", 1)
    writer = _Writer(job, actor)
    conn = writer.connection
    if spool is not None:
        records: Iterable[Record] = spool
    else:
        records = _records_from_file(job, counts["committed_row"], conn.ops.adapt_datefield_value)
    job_progress(job=job, done=counts["created"], total=result.get("rows", 0), stage=_("导入"))
    records = iter(records)
    limit = _rows_per_commit(conn)
    with _import_connection(conn):
        while _write(job, writer, records, limit, counts):
            pass
    _succeed(job, actor, counts, started, cpu)


def _finish_background(job: Job, actor, writer: _BackgroundWriter) -> None:
    """After a clean pass 1 on PostgreSQL: wait for the writer thread to commit."""
    started, cpu = time.monotonic(), time.process_time()
    rows = job.result.get("rows", 0)
    writer.commit(lambda done: job_progress(job=job, done=done, total=rows, stage=_("导入")))
    if writer.error is not None:
        if not isinstance(writer.error, IntegrityError):
            raise writer.error
        # An ID number registered by someone else after pass 1 looked it up. The whole
        # transaction is rolled back, so nothing was imported.
        errors = _Errors()
        hashes = {digest: row for digest, row in writer.batch_rows if digest}
        taken = Person.objects.filter(id_number_hash__in=list(hashes))
        for digest in taken.values_list("id_number_hash", flat=True):
            errors.add(hashes[digest], "身份证号码", _("该身份证号码在导入过程中已被登记。"))
        if not errors.items:
            errors.add("", "", _("导入时与刚登记的其他数据冲突，未导入任何数据，请重新上传。"))
        _fail(job, errors.sorted())
        return
    counts = {"created": writer.written, "households": writer.households}
    _succeed(job, actor, counts, started, cpu)


def _succeed(job: Job, actor, counts: dict[str, int], started: float, cpu: float) -> None:
    n, m = counts["created"], counts["households"]
    result = job.result
    final = {
        "created": n,
        "households": m,
        "message": _("成功导入 %(n)d 人、%(m)d 户。") % {"n": n, "m": m},
        "validate_seconds": result.get("validate_seconds"),
        "validate_cpu_seconds": result.get("validate_cpu_seconds"),
        "import_seconds": round(time.monotonic() - started, 1),
        "import_cpu_seconds": round(time.process_time() - cpu, 1),
    }
    filename = job.params.get("filename", "")
    with transaction.atomic():
        job_finish(job=job, ok=True, result=final, errors=[])
        summary = f"批量导入人员 {n} 人、{m} 户（{filename}）"
        audit.record(
            actor=actor,
            action=audit.Action.IMPORT,
            target=job,
            summary=summary,
            created=n,
            households=m,
        )
    _discard_input(job)
    _refresh_statistics()


def _refresh_statistics() -> None:
    """After a bulk load the planner's statistics are stale until autovacuum catches up,
    and PostgreSQL may then scan a whole scope range for the first page of a list."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE registry_person, registry_household, registry_householdmember")
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA optimize")


def _write(
    job: Job, writer: _Writer, records: Iterator[Record], limit: int, counts: dict[str, int]
) -> bool:
    """Write one transaction (see _Writer.write). A unique-constraint clash fails the
    job, naming the rows at fault, and raises _Stopped."""
    try:
        return writer.write(records, limit=limit, counts=counts)
    except IntegrityError:
        # Someone registered one of these ID numbers, or created a household with one of
        # these numbers, after pass 1.
        errors = _Errors()
        rows = {digest: row for digest, row in writer.written if digest}
        hashes = list(rows)
        for i in range(0, len(hashes), CHUNK):
            taken = Person.objects.filter(id_number_hash__in=hashes[i : i + CHUNK])
            for digest in taken.values_list("id_number_hash", flat=True):
                errors.add(rows[digest], "身份证号码", _("该身份证号码在导入过程中已被登记。"))
        if not errors.items:
            first, last = writer.written[0][1], writer.written[-1][1]
            message = _("第 %(a)d–%(b)d 行导入时与刚登记的其他数据冲突。") % {"a": first, "b": last}
            errors.add(first, "", message)
        job.refresh_from_db(fields=["result"])
        _fail(job, errors.sorted(), _partial_result(job.result))
        raise _Stopped from None
