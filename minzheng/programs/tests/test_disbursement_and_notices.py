"""Disbursement batches (bank file, return file, failures, re-run, chunks, restart) and PDFs."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook
from pypdf import PdfReader

from minzheng.ledger import selectors as ledger_q
from minzheng.programs import postings, services
from minzheng.programs.bankfiles import return_file_xlsx
from minzheng.programs.models import Application, DisbursementLine, State
from minzheng.programs.notices import notice_pdf

from .conftest import GUICHENG_COMMUNITY, id_number, ta_input

pytestmark = pytest.mark.django_db
D1 = dt.date(2021, 4, 1)


def approved_cases(officer, n: int, *, programme: str = "education_aid") -> list[Application]:
    apps = []
    for i in range(n):
        data = services.ApplicationInput(
            programme_code=programme,
            division_code=GUICHENG_COMMUNITY,
            applicant_name=f"学生{i}",
            applicant_id_number=id_number(),
            facts={
                "student_name": f"学生{i}",
                "school": "罗定市围底镇中心小学",
                "stage": "primary",
                "basis": "paired_school",
                "enrolled": True,
            },
            bank_account=f"62290000{i:08d}",
            idempotency_key=f"edu-{i}",
        )
        apps.append(
            services.application_grant(
                actor=officer,
                data=data,
                permission="programs.add_application",
                on=D1,
                reason="测试：直接核准",
            )
        )
    return apps


def test_bank_file_and_return_with_failure_and_rerun(funded, officer):
    apps = approved_cases(officer, 3)
    batch = services.disbursement_batch_create(actor=officer, division_code="440605000000", on=D1)
    content = services.disbursement_export_xlsx(actor=officer, batch=batch)
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert rows[0] == ("明细编号", "户名", "开户银行", "银行账号", "金额（元）", "用途")
    assert [r[3] for r in rows[1:]] == ["6229000000000000", "6229000000000001", "6229000000000002"]
    line_ids = [r[0] for r in rows[1:]]
    result = services.disbursement_return_import(
        actor=officer,
        batch=batch,
        on=D1,
        content=return_file_xlsx(
            [
                (line_ids[0], "成功", ""),
                (line_ids[1], "失败", "账号不存在"),
                (line_ids[2], "成功", ""),
            ]
        ),
    )
    assert result == {"succeeded": 2, "failed": 1, "posted": 2}
    states = [Application.objects.get(pk=a.pk).state for a in apps]
    assert states == [State.PAID, State.APPROVED, State.PAID]
    assert ledger_q.party_balance("PAYABLE:education_aid", apps[1].payee_party) == Decimal(
        "1000.00"
    )
    assert ledger_q.account_balance("PAYABLE:education_aid") == Decimal("1000.00")

    services.application_bank_account_update(
        actor=officer, application=apps[1], bank_name="工商银行", bank_account="6222000000000009"
    )
    rerun = services.disbursement_rerun(actor=officer, batch=batch, on=D1)
    assert (
        rerun.rerun_of == batch
        and rerun.line_count == 1
        and rerun.lines.get().bank_account == "6222000000000009"
    )
    services.disbursement_return_import(
        actor=officer,
        batch=rerun,
        on=D1,
        content=return_file_xlsx([(rerun.lines.get().pk, "成功", "")]),
    )
    assert Application.objects.get(pk=apps[1].pk).state == State.PAID
    assert ledger_q.account_balance("PAYABLE:education_aid") == Decimal("0.00")


def test_bad_return_file_writes_nothing(funded, officer):
    approved_cases(officer, 2)
    batch = services.disbursement_batch_create(actor=officer, division_code="440605000000", on=D1)
    ids = list(batch.lines.values_list("id", flat=True))
    for rows, message in [
        ([(ids[0], "成功", ""), (999999, "成功", "")], "不属于本批次"),
        ([(ids[0], "OK了", "")], "结果应为"),
        ([(ids[0], "成功", ""), (ids[0], "失败", "")], "重复"),
    ]:
        with pytest.raises(ValidationError) as exc:
            services.disbursement_return_import(
                actor=officer, batch=batch, content=return_file_xlsx(rows), on=D1
            )
        assert message in exc.value.message_dict["file"][0]
    with pytest.raises(ValidationError):
        services.disbursement_return_import(
            actor=officer, batch=batch, content=b"not a workbook", on=D1
        )
    assert set(batch.lines.values_list("status", flat=True)) == {DisbursementLine.Status.PENDING}


def test_an_application_is_in_one_open_batch_only(funded, officer):
    approved_cases(officer, 1)
    services.disbursement_batch_create(actor=officer, division_code="440605000000", on=D1)
    with pytest.raises(ValidationError):
        services.disbursement_batch_create(actor=officer, division_code="440605000000", on=D1)


def test_posting_in_chunks_restarts_after_a_failure(funded, officer, monkeypatch):
    apps = approved_cases(officer, 7)
    batch = services.disbursement_batch_create(actor=officer, division_code="440605000000", on=D1)
    ids = list(batch.lines.order_by("id").values_list("id", flat=True))
    real = postings.payment_chunk
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(postings, "payment_chunk", flaky)
    with pytest.raises(RuntimeError):
        services.disbursement_return_import(
            actor=officer,
            batch=batch,
            content=return_file_xlsx([(i, "成功", "") for i in ids]),
            on=D1,
            chunk_size=3,
        )
    # First chunk committed, the failing one rolled back entirely.
    assert (
        list(batch.lines.order_by("id").values_list("status", flat=True))
        == ["paid"] * 3 + ["confirmed"] * 4
    )
    assert ledger_q.account_balance("PAYABLE:education_aid") == Decimal("4000.00")
    monkeypatch.setattr(postings, "payment_chunk", real)
    assert services.disbursement_post(actor=officer, batch=batch, on=D1, chunk_size=3) == 4
    assert ledger_q.account_balance("PAYABLE:education_aid") == Decimal("0.00")
    assert Application.objects.filter(pk__in=[a.pk for a in apps], state=State.PAID).count() == 7
    batch.refresh_from_db()
    assert batch.status == "done"


def test_group_by_payee_settles_many_applications_in_one_line(funded, officer):
    """How a fee-waiver programme settles a month with one organisation payee."""
    apps = []
    for i in range(3):
        data = services.ApplicationInput(
            programme_code="education_aid",
            division_code=GUICHENG_COMMUNITY,
            applicant_name=f"学生{i}",
            applicant_id_number=id_number(),
            facts={
                "student_name": f"S{i}",
                "school": "x",
                "stage": "junior",
                "basis": "dibao",
                "enrolled": True,
            },
            payee_party="org:7",
            payee_name="某学校",
            bank_account="440000000077",
            idempotency_key=f"g{i}",
        )
        apps.append(
            services.application_grant(
                actor=officer, data=data, permission="programs.add_application", on=D1
            )
        )
    batch = services.disbursement_batch_create(
        actor=officer,
        division_code="440605000000",
        programme_code="education_aid",
        group_by_payee=True,
        on=D1,
    )
    assert batch.line_count == 1 and batch.total == Decimal("4500.00")
    assert ledger_q.party_balance("PAYABLE:education_aid", "org:7") == Decimal("4500.00")
    services.disbursement_return_import(
        actor=officer,
        batch=batch,
        content=return_file_xlsx([(batch.lines.get().pk, "成功", "")]),
        on=D1,
    )
    assert ledger_q.party_balance("PAYABLE:education_aid", "org:7") == Decimal("0.00")


def _text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_notices_are_pdfs_with_chinese_text(funded, town_worker, town_worker_2, officer):
    from .conftest import to_review

    app = services.application_submit(
        actor=town_worker, data=ta_input(applicant_name="陈大文"), on=D1
    )
    services.application_return(
        actor=town_worker, application=app, missing_kinds=["hukou"], note="请补充火灾证明", on=D1
    )
    services.application_resubmit(actor=town_worker, application=app, on=D1)
    to_review(app, town_worker, town_worker_2, on=D1)
    services.application_approve(actor=officer, application=app, on=D1 + dt.timedelta(days=9))
    texts = {n.kind: _text(notice_pdf(n)) for n in app.notices.all()}
    assert (
        "补正材料通知书" in texts["missing"]
        and "户口簿" in texts["missing"]
        and "请补充火灾证明" in texts["missing"]
    )
    assert "受理通知书" in texts["acceptance"] and "陈大文" in texts["acceptance"]
    assert (
        "救助决定书" in texts["approval"]
        and "为什么是这个金额" in texts["approval"]
        and "10,440.00" in texts["approval"]
    )
    # The citizen's notice speaks their language: names of standards, not parameter codes
    # or staff notes, and it says how to contest the decision, where and by when.
    approval = texts["approval"].replace("\n", "")
    for internal in ("dibao_standard", "ta_basis", "_", "示例值", "未找到"):
        assert internal not in approval
    assert "最低生活保障标准：1160元/人·月" in approval
    assert "六十日内向佛山市南海区人民政府申请行政复议" in approval and "六个月内" in approval

    other = services.application_submit(
        actor=town_worker, data=ta_input(idempotency_key="o", facts={"cause": "traffic"}), on=D1
    )
    services.application_refuse(
        actor=officer, application=other, reasons="经核查，家庭人均收入超过低保标准二倍", on=D1
    )
    text = _text(notice_pdf(other.notices.get())).replace("\n", "")
    assert (
        "不予救助决定书" in text and "家庭人均收入超过低保标准二倍" in text and "行政复议" in text
    )
    assert "六十日内向佛山市南海区人民政府申请行政复议" in text


def test_return_file_upload_is_checked_at_once_and_posted_in_the_background(
    funded, officer, client, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from minzheng.core.models import Job

    apps = approved_cases(officer, 2)
    batch = services.disbursement_batch_create(actor=officer, division_code="440605000000", on=D1)
    line_ids = list(batch.lines.order_by("id").values_list("id", flat=True))
    url = f"/staff/programs/batches/{batch.pk}/"
    client.force_login(officer)

    def upload(rows):
        content = return_file_xlsx(rows)
        return client.post(url, {"file": SimpleUploadedFile("return.xlsx", content)})

    # a file naming a line of another batch: refused on the form at once, nothing written
    bad = upload([(line_ids[0], "成功", ""), (999999, "成功", "")])
    assert bad.status_code == 400 and "不属于本批次或已处理：999999" in bad.content.decode()
    assert Job.objects.count() == 0
    assert set(batch.lines.values_list("status", flat=True)) == {DisbursementLine.Status.PENDING}

    with django_capture_on_commit_callbacks(execute=True):
        good = upload([(line_ids[0], "成功", ""), (line_ids[1], "失败", "户名不符")])
    assert good.status_code == 302
    job = Job.objects.get()
    assert (job.kind, job.params, job.status, job.done, job.total) == (
        "programs.bank_return",
        {"batch": batch.pk},
        Job.Status.SUCCEEDED,
        1,
        1,
    )
    assert job.result["message"] == "回盘已处理：成功 1 笔，失败 1 笔，已记账 1 笔。"
    assert [Application.objects.get(pk=a.pk).state for a in apps] == [State.PAID, State.APPROVED]
    page = client.get(url).content.decode()
    assert "回盘文件已通过检查，正在入账" in page and job.result["message"] in page
    services.disbursement_return_run(job_id=job.pk)  # a second run leaves a finished job alone
    assert DisbursementLine.objects.filter(status=DisbursementLine.Status.PAID).count() == 1
