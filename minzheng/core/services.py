"""Writes of the core app: divisions, policy parameters, attachments, jobs, sign-in unlocks."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import ipaddress
import secrets
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit, roles
from .models import Attachment, Division, Job, PolicyParameter, User
from .permissions import require_perm

# ---------------------------------------------------------------- divisions


def divisions_load_csv(*, lines: Iterable[str]) -> int:
    """Create or update divisions from CSV text with columns code,name,level,parent_code.

    Parents must come before their children (as in the shipped file). Idempotent.
    """
    reader = csv.DictReader(lines)
    missing = {"code", "name", "level", "parent_code"} - set(reader.fieldnames or [])
    if missing:
        raise ValidationError(_("区划文件缺少列：%(cols)s") % {"cols": ", ".join(sorted(missing))})
    rows = list(reader)
    known = set(Division.objects.values_list("code", flat=True))
    levels = set(Division.Level.values)
    with transaction.atomic():
        for n, row in enumerate(rows, start=2):
            code, level, parent = (
                row["code"].strip(),
                row["level"].strip(),
                row["parent_code"].strip(),
            )
            if len(code) != 12 or not code.isdigit() or level not in levels:
                raise ValidationError(
                    _("第 %(n)d 行：区划代码须为 12 位数字，级别须为 %(levels)s。")
                    % {"n": n, "levels": "/".join(sorted(levels))}
                )
            Division.objects.update_or_create(
                code=code,
                defaults={
                    "name": row["name"].strip(),
                    "level": level,
                    "parent_id": parent if parent in known else None,
                },
            )
            known.add(code)
    return len(rows)


def divisions_load_file(*, path: Path) -> int:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return divisions_load_csv(lines=fh)


NANHAI_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "divisions_nanhai.csv"


def divisions_ensure_nanhai() -> None:
    """The shipped divisions (Guangdong → Foshan → Nanhai and below), if they are missing.

    Migration core.0002 loads them once; tests that empty every table (transactional
    tests) call this to put the reference data back."""
    if Division.objects.filter(code=settings.MINZHENG_DISTRICT_CODE).exists():
        return
    with transaction.atomic():
        Division.objects.update_or_create(
            code="440000000000", defaults={"name": "广东省", "level": "province", "parent": None}
        )
        Division.objects.update_or_create(
            code="440600000000",
            defaults={"name": "佛山市", "level": "city", "parent_id": "440000000000"},
        )
        divisions_load_file(path=NANHAI_FIXTURE)


# ---------------------------------------------------------------- policy parameters


def parameter_create(
    *,
    actor,
    key: str,
    name: str,
    value: str,
    value_type: str = PolicyParameter.ValueType.DECIMAL,
    unit: str = "",
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    division_code: str | None = None,
    source_document: str,
    is_illustrative: bool = False,
    note: str = "",
) -> PolicyParameter:
    """Add a value for a key from `valid_from`. The value in force until then is ended the
    day before, so periods never overlap and older decisions keep pointing at their row."""
    require_perm(actor, "core.add_policyparameter")
    param = PolicyParameter(
        key=key,
        name=name,
        value=str(value),
        value_type=value_type,
        unit=unit,
        valid_from=valid_from,
        valid_to=valid_to,
        division_id=division_code,
        source_document=source_document,
        is_illustrative=is_illustrative,
        note=note,
    )
    param.full_clean()
    from .params import parse_value

    try:
        parse_value(param.value, value_type)
    except Exception:
        raise ValidationError({"value": _("取值与类型不符。")}) from None
    with transaction.atomic():
        same = PolicyParameter.objects.select_for_update().filter(
            key=key, division_id=division_code
        )
        if same.filter(valid_from=valid_from).exists():
            raise ValidationError(
                {"valid_from": _("该参数在此日期已有取值，请修改原记录或选择其他日期。")}
            )
        later = same.filter(valid_from__gt=valid_from).order_by("valid_from").first()
        if later and (valid_to is None or valid_to > later.valid_from):
            raise ValidationError(
                {"valid_to": _("与 %(date)s 起的取值重叠。") % {"date": later.valid_from}}
            )
        for previous in same.filter(valid_from__lt=valid_from).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=valid_from)
        ):
            previous.valid_to = valid_from
            previous.save(update_fields=["valid_to"])
        param.save()
        audit.record(
            actor=actor, action=audit.Action.CREATE, target=param, summary=f"{name} = {value}{unit}"
        )
    return param


def parameters_ensure_defaults(rows, *, model=None) -> int:
    """Create a module's district-wide default parameters that do not exist yet: the one way
    defaults come into being, called by each module's data migration (with the historical
    model, `model=apps.get_model("core", "PolicyParameter")`) and by test set-ups after a
    flush.

    `rows` are (key, name, value, value_type, unit, valid_from, source_document,
    is_illustrative); an existing key is left as officers may have edited it. Returns the
    number created."""
    model = model or PolicyParameter
    created = 0
    for key, name, value, value_type, unit, valid_from, source, illustrative in rows:
        if not model.objects.filter(key=key, division__isnull=True).exists():
            model.objects.create(
                key=key,
                name=name,
                value=value,
                value_type=value_type,
                unit=unit,
                valid_from=valid_from,
                source_document=source,
                is_illustrative=illustrative,
            )
            created += 1
    return created


# ---------------------------------------------------------------- attachments

# extension → (content type, magic prefixes). Content is checked, not just the name.
FILE_TYPES = {
    ".pdf": ("application/pdf", (b"%PDF",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (b"PK\x03\x04",),
    ),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    ".mp3": ("audio/mpeg", (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")),
    ".wav": ("audio/wav", (b"RIFF",)),
    ".m4a": ("audio/mp4", (b"\x00\x00\x00",)),
    ".mp4": ("video/mp4", (b"\x00\x00\x00",)),
}
DOCUMENT_TYPES = (".pdf", ".jpg", ".jpeg", ".png", ".xlsx", ".docx")


def attachment_add(
    *,
    actor,
    owner: Model,
    upload: UploadedFile,
    kind: str = "",
    allowed: tuple[str, ...] = DOCUMENT_TYPES,
    max_bytes: int | None = None,
) -> Attachment:
    """Store a file for a record the staff actor may see. Refuses wrong types and sizes clearly."""
    require_perm(actor, "core.add_attachment")
    from .scope import object_in_scope

    if not object_in_scope(actor, owner):
        raise ValidationError({"file": _("无权为该记录上传材料。")})
    return _attachment_store(
        actor=actor, owner=owner, upload=upload, kind=kind, allowed=allowed, max_bytes=max_bytes
    )


def attachment_add_by_resident(
    *,
    resident,
    owner: Model,
    upload: UploadedFile,
    kind: str = "",
    allowed: tuple[str, ...] = DOCUMENT_TYPES,
    max_bytes: int | None = None,
) -> Attachment:
    """Store a file a resident sends with their own record (an application, a report).

    The calling service must have checked that `owner` belongs to `resident`; residents
    have no staff scope, so no scope check is made here. The same type and size checks apply.
    """
    if getattr(resident, "kind", "") != "resident" or not resident.is_authenticated:
        raise ValidationError({"file": _("请先登录后再上传材料。")})
    return _attachment_store(
        actor=resident, owner=owner, upload=upload, kind=kind, allowed=allowed, max_bytes=max_bytes
    )


def upload_errors(
    upload, *, field: str = "file", allowed: tuple[str, ...], max_bytes: int | None = None
) -> dict[str, str]:
    """Everything wrong with an upload — type by extension *and* content, size, emptiness —
    as a field → message map, without writing anything. Services that take files with
    other input call it during validation, so a refused file refuses the whole form before
    any row is written; `attachment_add` calls it again before it stores the file."""
    if upload is None:
        return {}
    max_bytes = max_bytes or settings.ATTACHMENT_MAX_BYTES
    ext = Path(Path(upload.name or "").name).suffix.lower()
    if ext not in allowed:
        return {
            field: _("不支持的文件类型“%(ext)s”，请上传 %(allowed)s 格式。")
            % {
                "ext": ext or _("无扩展名"),
                "allowed": _("、").join(a.lstrip(".").upper() for a in allowed),
            }
        }
    if upload.size > max_bytes:
        return {
            field: _("文件过大（%(size).1f MB），单个文件不能超过 %(max).0f MB。")
            % {"size": upload.size / 1048576, "max": max_bytes / 1048576}
        }
    if upload.size == 0:
        return {field: _("文件是空的，请重新选择。")}
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(m) for m in FILE_TYPES[ext][1]):
        return {field: _("文件内容与扩展名“%(ext)s”不符，可能已损坏或被改名。") % {"ext": ext}}
    return {}


def _attachment_store(
    *,
    actor,
    owner: Model,
    upload: UploadedFile,
    kind: str,
    allowed: tuple[str, ...],
    max_bytes: int | None,
) -> Attachment:
    errors = upload_errors(upload, allowed=allowed, max_bytes=max_bytes)
    if errors:
        raise ValidationError(errors)
    name = Path(upload.name or "").name
    ext = Path(name).suffix.lower()
    content_type = FILE_TYPES[ext][0]
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        attachment = Attachment(
            content_type=ContentType.objects.get_for_model(owner),
            object_id=str(owner.pk),
            kind=kind,
            original_name=name[:200],
            extension=ext,
            content_type_header=content_type,
            size=upload.size,
            sha256=digest.hexdigest(),
            token=secrets.token_hex(16),
            uploaded_by=actor,
            uploaded_at=timezone.now(),
        )
        attachment.file.save(attachment.token + ext, upload, save=False)
        attachment.save()
        audit.record(
            actor=actor, action=audit.Action.CREATE, target=attachment, summary=f"上传 {name}"
        )
    return attachment


# ---------------------------------------------------------------- jobs


def job_create(
    *,
    actor,
    kind: str,
    params: dict | None = None,
    input_bytes: bytes | None = None,
    filename: str = "",
) -> Job:
    job = Job(kind=kind, created_by=actor, params=params or {})
    if input_bytes is not None:
        from django.core.files.base import ContentFile

        job.input_file.save(
            f"{secrets.token_hex(8)}{Path(filename).suffix.lower()}",
            ContentFile(input_bytes),
            save=False,
        )
    job.save()
    return job


def job_progress(*, job: Job, done: int, total: int | None = None, stage: str = "") -> None:
    # Written outside the work's own transaction so that the status page sees it move.
    fields = {"done": done, "status": Job.Status.RUNNING}
    if total is not None:
        fields["total"] = total
    if stage:
        fields["stage"] = stage
    Job.objects.filter(pk=job.pk).update(**fields)
    for k, v in fields.items():
        setattr(job, k, v)


def job_finish(
    *, job: Job, ok: bool, result: dict | None = None, errors: list | None = None
) -> None:
    job.status = Job.Status.SUCCEEDED if ok else Job.Status.FAILED
    job.result = result or {}
    job.errors = errors or []
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "result", "errors", "finished_at"])


# ---------------------------------------------------------------- sign-in lockouts


def account_unlock(*, actor: User, username: str, ip: str | None = None) -> int:
    """Lift the sign-in lockout of `username` from address `ip` (from every address when
    `ip` is None): django-axes' failed attempts of that pair are cleared through axes' own
    API, and the unlock is logged. Returns how many attempt rows were cleared.

    Only for UNLOCK_ACCOUNT (system administrators). Refused, with nothing written, when
    there is nothing to clear (the cool-off ended, or another administrator was quicker).
    """
    from axes.utils import reset as axes_reset

    require_perm(actor, roles.UNLOCK_ACCOUNT)
    username = (username or "").strip()
    ip = (ip or "").strip() or None
    errors: dict[str, str] = {}
    if not username:
        errors["username"] = _("请指定要解锁的账号")
    if ip is not None:
        try:
            ip = str(ipaddress.ip_address(ip))
        except ValueError:
            errors["ip"] = _("IP 地址格式不正确")
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        cleared = axes_reset(ip=ip, username=username)
        if not cleared:
            raise ValidationError({"username": _("没有需要解除的登录锁定，可能已自动解除")})
        account = User.objects.filter(username=username).first()
        audit.record(
            actor=actor,
            action=audit.Action.UNLOCK,
            target=account,
            summary=f"解除登录锁定：{username}" + (f"（{ip}）" if ip else "（全部地址）"),
            unlocked_username=username,
            address=ip,
            attempts_cleared=cleared,
        )
    return cleared
