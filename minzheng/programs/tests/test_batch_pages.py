"""Money moves in steps a person can check: a batch is previewed before it is created, and a
failed bank line is corrected before it is paid again."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from minzheng.programs import services
from minzheng.programs.models import DisbursementBatch

from .conftest import D1
from .test_disbursement_and_notices import approved_cases, return_file_xlsx

pytestmark = pytest.mark.django_db


def test_batch_is_previewed_first_and_created_only_when_confirmed(client, funded, officer):
    approved_cases(officer, 2)
    client.force_login(officer)
    page = client.post("/staff/programs/batches/", {"programme": "", "action": "preview"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "将生成 2 笔银行明细（2 件申请），合计 2000.00 元。" in html
    assert 'value="create" data-confirm="确定生成 2 笔、合计 2000.00 元的发放批次吗？"' in html
    assert DisbursementBatch.objects.count() == 0  # a preview writes nothing
    response = client.post("/staff/programs/batches/", {"programme": "", "action": "create"})
    batch = DisbursementBatch.objects.get()
    assert response.status_code == 302 and (batch.line_count, batch.total) == (
        2,
        Decimal("2000.00"),
    )


def _failed_batch(officer):
    apps = approved_cases(officer, 2)
    batch = services.disbursement_batch_create(actor=officer, division_code="440605000000", on=D1)
    ids = list(batch.lines.order_by("id").values_list("id", flat=True))
    services.disbursement_return_import(
        actor=officer,
        batch=batch,
        on=D1,
        content=return_file_xlsx([(ids[0], "成功", ""), (ids[1], "失败", "账户已销户")]),
    )
    return apps, batch, ids[1]


def test_failed_line_with_the_same_account_is_not_paid_again_unless_confirmed(funded, officer):
    apps, batch, failed = _failed_batch(officer)
    with pytest.raises(ValidationError) as exc:
        services.disbursement_rerun(actor=officer, batch=batch, on=D1)
    assert f"{failed}（学生1，账户已销户）" in exc.value.message_dict["batch"][0]
    assert DisbursementBatch.objects.count() == 1
    rerun = services.disbursement_rerun(actor=officer, batch=batch, on=D1, resend_unchanged=True)
    assert rerun.lines.get().bank_account == apps[1].bank_account


def test_staff_correct_the_account_on_the_batch_page_then_rerun(client, funded, officer):
    apps, batch, failed = _failed_batch(officer)
    client.force_login(officer)
    html = client.get(f"/staff/programs/batches/{batch.pk}/").content.decode()
    assert "账号未修改，修改收款账号" in html and "账号无误，按原账号重新发放" in html
    response = client.post(
        f"/staff/programs/batches/{batch.pk}/lines/{failed}/account/",
        {"bank_name": "工商银行", "bank_account": "6222 0000 0000 0009"},
    )
    assert response.status_code == 302
    apps[1].refresh_from_db()
    assert apps[1].bank_account == "6222000000000009"
    html = client.get(f"/staff/programs/batches/{batch.pk}/").content.decode()
    assert "账号未修改" not in html
    response = client.post(f"/staff/programs/batches/{batch.pk}/rerun/")
    rerun = DisbursementBatch.objects.get(rerun_of=batch)
    assert rerun.lines.get().bank_account == "6222000000000009"


def test_a_success_message_is_shown_once(client, funded, officer):
    apps, batch, failed = _failed_batch(officer)
    client.force_login(officer)
    page = client.post(
        f"/staff/programs/batches/{batch.pk}/lines/{failed}/account/",
        {"bank_name": "工商银行", "bank_account": "6222000000000009"},
        follow=True,
    ).content.decode()
    assert page.count(f"明细 {failed} 的收款账号已修改。") == 1
