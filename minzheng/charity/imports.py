"""Bulk import of a bank statement (.xlsx or .csv) as donations, all or nothing.

Format: the first row holds the headers of COLUMNS in any order (a trailing "*" marks the
required ones; other columns are ignored). Each row is one incoming transfer. A row's
指定项目 names a campaign or named fund of the organisation by its exact name; blank rows
go to the designation chosen for the whole file (a campaign, a fund, or unrestricted).
Donors are matched to the registry: a 统一社会信用代码 to the organisation registered with
it, an ID number to the person (by blind index); the kind is 单位 when a credit code is
given or the column says so.

Every row is validated first; any error refuses the whole file with up to MAX_ERRORS
{row, column, message} entries (row numbers are the spreadsheet's, the header is 1) and
nothing is written. A valid file is written in one transaction: the donations in bulk,
one ledger entry for the file (Dr the bank / Cr each fund, the amounts summed), and one
receipt per donation with numbers taken from the year's counter in one locked step, so the
numbers stay without gaps. A transaction number (交易流水号) already recorded, or twice in
the file, is an error: the same statement imported twice writes nothing the second time.

Pages run it as a background job (`statement_import_start` → core.tasks →
`statement_import_run`); the bench and tests call `statement_import` directly.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.permissions import require_perm
from minzheng.ledger import accounts
from minzheng.ledger import services as ledger
from minzheng.registry import pii
from minzheng.registry import validators as reg_validators

from . import rules
from .models import (
    Campaign,
    CampaignState,
    Charity,
    Donation,
    DonorKind,
    Method,
    NamedFund,
    Receipt,
)

MAX_ERRORS = 100
CHUNK = 2000
JOB_KIND = "charity.statement_import"


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    required: bool = False


COLUMNS = (
    Column("交易日期", "date", True),
    Column("付款人", "name", True),
    Column("金额", "amount", True),
    Column("交易流水号", "reference", True),
    Column("付款人类型", "kind"),
    Column("证件号码", "id_number"),
    Column("统一社会信用代码", "credit_code"),
    Column("指定项目", "designation"),
    Column("匿名", "anonymous"),
)
BY_HEADER = {c.header: c for c in COLUMNS}
YES = {"是", "匿名", "y", "yes", "1", "true"}
ORG_KINDS = {"单位", "企业", "组织", "organisation"}


class ImportRefused(ValidationError):
    """The file has errors: `rows` lists them; nothing was written."""

    def __init__(self, rows: list[dict]):
        self.rows = rows
        super().__init__({"file": _("文件中有 %(n)d 处错误，未导入任何记录。") % {"n": len(rows)}})


@dataclass
class ImportResult:
    count: int
    total: Decimal
    receipts: int
    entry_id: int


def template_csv() -> bytes:
    header = ",".join(c.header + ("*" if c.required else "") for c in COLUMNS)
    return (
        "\ufeff" + header + "\r\n" + "2021-06-01,示例 陈大文,100.00,B0001,个人,,,,否\r\n"
    ).encode()


def _rows(filename: str, content: bytes):
    ext = Path(filename or "").suffix.lower()
    if ext == ".xlsx":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 - any unreadable workbook is the same refusal
            raise ValidationError({"file": _("无法读取该 Excel 文件，可能已损坏。")}) from None
        ws = wb.worksheets[0]
        return [list(r) for r in ws.iter_rows(values_only=True)]
    if ext == ".csv":
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValidationError({"file": _("无法识别 CSV 文件的编码（请用 UTF-8 或 GB18030）。")})
        return list(csv.reader(io.StringIO(text, newline="")))
    raise ValidationError({"file": _("仅支持 .xlsx 或 .csv 文件")})


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    try:
        return (
            dt.date.fromisoformat(text)
            if len(text) == 10
            else dt.datetime.strptime(text, "%Y%m%d").date()
        )
    except ValueError:
        return None


def statement_import(
    *,
    actor,
    charity: Charity,
    filename: str,
    content: bytes,
    campaign_id: int | None = None,
    fund_id: int | None = None,
    progress=None,
) -> ImportResult:
    """Validate every row, then write all of them or nothing (see the module docstring)."""
    from minzheng.registry.models import Organisation, Person

    from .services.funds import _require_own, fund_account
    from .services.receipts import _take_numbers, receipt_number

    require_perm(actor, "charity.import_donations")
    _require_own(actor, charity)
    table = _rows(filename, content)
    if not table:
        raise ValidationError({"file": _("文件是空的，请重新选择。")})
    header = ["".join(_text(h).split()).rstrip("*＊") for h in table[0]]
    index = {BY_HEADER[h].key: i for i, h in enumerate(header) if h in BY_HEADER}
    missing = [c.header for c in COLUMNS if c.required and c.key not in index]
    if missing:
        raise ValidationError({"file": _("缺少必填列：%(cols)s") % {"cols": "、".join(missing)}})

    campaigns = {c.title: c for c in Campaign.objects.filter(charity=charity)}
    funds = {f.name: f for f in NamedFund.objects.filter(charity=charity)}
    default = None
    if campaign_id:
        default = next((c for c in campaigns.values() if c.pk == campaign_id), None)
        if default is None:
            raise ValidationError({"campaign": _("募捐活动不存在或不属于本组织。")})
    elif fund_id:
        default = next((f for f in funds.values() if f.pk == fund_id), None)
        if default is None:
            raise ValidationError({"fund": _("冠名基金不存在或不属于本组织。")})

    errors: list[dict] = []

    def err(row: int, column: str, message: str) -> None:
        if len(errors) < MAX_ERRORS:
            errors.append({"row": row, "column": column, "message": str(message)})

    def cell(cells, key):
        i = index.get(key)
        return cells[i] if i is not None and i < len(cells) else None

    parsed = []
    seen_refs: dict[str, int] = {}
    closed_msg = _("募捐活动“%(t)s”当前不接受捐赠。")
    for rownum, cells in enumerate(table[1:], 2):
        if not any(_text(c) for c in cells):
            continue
        name = _text(cell(cells, "name"))
        if name.startswith("示例"):
            continue
        ok = True
        on = _date(cell(cells, "date"))
        if on is None:
            err(rownum, "交易日期", _("日期格式不正确（例：2021-06-01）。"))
            ok = False
        amount, problem = rules.parse_amount(_text(cell(cells, "amount")))
        if problem:
            err(rownum, "金额", problem["amount"])
            ok = False
        if not name or len(name) > 100:
            err(rownum, "付款人", _("请填写付款人名称（100 字以内）。"))
            ok = False
        ref = _text(cell(cells, "reference"))[:64]
        if not ref:
            err(rownum, "交易流水号", _("请填写交易流水号。"))
            ok = False
        elif ref in seen_refs:
            err(rownum, "交易流水号", _("与第 %(r)d 行的交易流水号重复。") % {"r": seen_refs[ref]})
            ok = False
        else:
            seen_refs[ref] = rownum
        designation = _text(cell(cells, "designation"))
        campaign = fund = None
        if designation:
            campaign = campaigns.get(designation)
            fund = funds.get(designation) if campaign is None else None
            if campaign is None and fund is None:
                err(
                    rownum,
                    "指定项目",
                    _("本组织没有名为“%(n)s”的募捐活动或冠名基金。") % {"n": designation},
                )
                ok = False
        elif isinstance(default, Campaign):
            campaign = default
        elif isinstance(default, NamedFund):
            fund = default
        receivable = (CampaignState.OPEN, CampaignState.CLOSED, CampaignState.REPORTED)
        if (
            campaign is not None
            and on is not None
            and (
                campaign.state not in receivable
                or not campaign.starts_on <= on <= (campaign.closed_on or campaign.ends_on)
            )
        ):
            err(
                rownum,
                "交易日期" if campaign.state == CampaignState.OPEN else "指定项目",
                closed_msg % {"t": campaign.title},
            )
            ok = False
        kind_text = _text(cell(cells, "kind"))
        credit = _text(cell(cells, "credit_code"))
        id_number = _text(cell(cells, "id_number"))
        if credit:
            try:
                credit = reg_validators.validate_uscc(credit)
            except ValidationError as e:
                err(rownum, "统一社会信用代码", e.messages[0])
                ok = False
        if id_number:
            try:
                id_number = reg_validators.parse_id_number(id_number).number
            except ValidationError as e:
                err(rownum, "证件号码", e.messages[0])
                ok = False
        if ok:
            kind = DonorKind.ORGANISATION if credit or kind_text in ORG_KINDS else DonorKind.PERSON
            anonymous = _text(cell(cells, "anonymous")).lower() in YES
            parsed.append(
                (rownum, on, amount, name, ref, campaign, fund, kind, credit, id_number, anonymous)
            )
        if progress and rownum % 10000 == 0:
            progress(rownum - 1, len(table) - 1, _("校验"))

    refs = list(seen_refs)
    for i in range(0, len(refs), CHUNK):
        for ref in Donation.objects.filter(
            charity=charity, reference__in=refs[i : i + CHUNK]
        ).values_list("reference", flat=True):
            err(seen_refs[ref], "交易流水号", _("该交易流水号已导入过。"))
    if errors:
        raise ImportRefused(sorted(errors, key=lambda e: e["row"]))
    if not parsed:
        raise ValidationError({"file": _("文件中没有可导入的行。")})

    orgs = dict(
        Organisation.objects.filter(
            credit_code__in={p[8] for p in parsed if p[8]}, is_void=False
        ).values_list("credit_code", "pk")
    )
    hashes = {p[9]: pii.blind_index(p[9], kind="id") for p in parsed if p[9]}
    persons = dict(
        Person.objects.filter(id_number_hash__in=set(hashes.values()), is_void=False).values_list(
            "id_number_hash", "pk"
        )
    )

    bank = accounts.charity_bank_code(charity.organisation_id)
    credits: dict[str, Decimal] = {}
    donations = []
    for _row, on, amount, name, ref, campaign, fund, kind, credit, id_number, anonymous in parsed:
        code = fund_account(campaign=campaign, fund=fund, charity=charity)
        credits[code] = credits.get(code, Decimal("0")) + amount
        d = Donation(
            charity=charity,
            division_id=charity.division_id,
            campaign=campaign,
            fund=fund,
            method=Method.BANK_TRANSFER,
            amount=amount,
            received_on=on,
            donor_kind=kind,
            donor_name=name,
            anonymous=anonymous,
            donor_credit_code=credit,
            donor_organisation_id=orgs.get(credit),
            reference=ref,
            recorded_by=actor,
        )
        if id_number:
            d.donor_id_number = id_number
            d.donor_id_hash = hashes[id_number]
            d.donor_id_masked = reg_validators.mask_id_number(id_number)
            d.donor_person_id = persons.get(hashes[id_number])
        donations.append(d)
    total = sum(credits.values(), Decimal("0"))
    digest = hashlib.sha256(content).hexdigest()[:32]
    with transaction.atomic():
        entry = ledger.entry_post(
            actor=actor,
            lines=[ledger.Line(bank, debit=total)]
            + [
                ledger.Line(code, credit=amount, party=charity.party)
                for code, amount in sorted(credits.items())
            ],
            memo=f"导入银行流水 {Path(filename).name[:60]} {len(donations)} 笔",
            source=f"charity.import:{charity.pk}",
            idempotency_key=f"charity.import:{charity.pk}:{digest}",
            on=max(d.received_on for d in donations),
            division_code=charity.division_id,
        )
        for d in donations:
            d.entry_id = entry.pk
        for i in range(0, len(donations), CHUNK):
            Donation.objects.bulk_create(donations[i : i + CHUNK])
            if progress:
                progress(i + CHUNK, len(donations), _("导入"))
        receipts = []
        by_year: dict[int, list[Donation]] = {}
        for d in donations:
            by_year.setdefault(d.received_on.year, []).append(d)
        for year, items in sorted(by_year.items()):
            items.sort(key=lambda d: (d.received_on, d.pk))
            first = _take_numbers(charity, year, len(items))
            for n, d in enumerate(items):
                project = (
                    d.campaign.title if d.campaign else d.fund.name if d.fund else "非限定性捐赠"
                )
                receipts.append(
                    Receipt(
                        charity=charity,
                        division_id=charity.division_id,
                        donation=d,
                        year=year,
                        seq=first + n,
                        number=receipt_number(charity.receipt_prefix, year, first + n),
                        donor_name=d.donor_name,
                        project=project[:120],
                        amount=d.amount,
                        amount_in_words=rules.amount_in_words(d.amount),
                        issued_on=d.received_on,
                        issued_by=actor,
                    )
                )
        Receipt.objects.bulk_create(receipts, batch_size=CHUNK)
        audit.record(
            actor=actor,
            action=audit.Action.IMPORT,
            target=charity,
            summary=f"导入银行流水 {len(donations)} 笔 {total} 元",
        )
    return ImportResult(len(donations), total, len(receipts), entry.pk)


# ---------------------------------------------------------------- as a background job


def statement_import_start(
    *, actor, charity: Charity, filename: str, content: bytes, campaign_id=None, fund_id=None
):
    from minzheng.core.services import job_create
    from minzheng.core.tasks import enqueue

    from .services.funds import _require_own

    require_perm(actor, "charity.import_donations")
    _require_own(actor, charity)
    if Path(filename or "").suffix.lower() not in (".xlsx", ".csv"):
        raise ValidationError({"file": _("仅支持 .xlsx 或 .csv 文件")})
    if not content:
        raise ValidationError({"file": _("文件是空的，请重新选择。")})
    with transaction.atomic():
        job = job_create(
            actor=actor,
            kind=JOB_KIND,
            params={
                "filename": Path(filename).name[:200],
                "charity": charity.pk,
                "campaign": campaign_id,
                "fund": fund_id,
            },
            input_bytes=content,
            filename=filename,
        )
        enqueue(statement_import_run, job_id=job.pk)
    return job


def statement_import_run(*, job_id: int) -> None:
    from minzheng.core.models import Job
    from minzheng.core.services import job_finish, job_progress

    job = Job.objects.select_related("created_by").get(pk=job_id)
    if job.status in (Job.Status.SUCCEEDED, Job.Status.FAILED):
        return
    charity = Charity.objects.get(pk=job.params["charity"])
    with job.input_file.open("rb") as fh:
        content = fh.read()
    try:
        result = statement_import(
            actor=job.created_by,
            charity=charity,
            filename=job.params["filename"],
            content=content,
            campaign_id=job.params.get("campaign"),
            fund_id=job.params.get("fund"),
            progress=lambda done, total, stage: job_progress(
                job=job, done=min(done, total), total=total, stage=stage
            ),
        )
    except ImportRefused as exc:
        job_finish(job=job, ok=False, errors=exc.rows)
        return
    except ValidationError as exc:
        job_finish(
            job=job,
            ok=False,
            errors=[
                {"row": "", "column": k, "message": m}
                for k, v in exc.message_dict.items()
                for m in v
            ],
        )
        return
    job_finish(
        job=job,
        ok=True,
        result={"count": result.count, "total": str(result.total), "receipts": result.receipts},
    )
