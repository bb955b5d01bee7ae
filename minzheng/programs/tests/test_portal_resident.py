"""The resident's side of the programmes: applying on the portal (everything or nothing,
what the account already knows, who may apply and with what)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from minzheng.core.models import Attachment
from minzheng.programs import services
from minzheng.programs.models import Application, Decision, Transition

from .conftest import GUICHENG_COMMUNITY, PNG, id_number

pytestmark = pytest.mark.django_db

FAKE_PNG = b"%PDF-1.4 not an image at all" + b"0" * 32


def _file(name: str, content: bytes = PNG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


def _form(key: str, number: str, **extra) -> dict:
    return {
        "division": GUICHENG_COMMUNITY,
        "applicant_name": "黄二",
        "applicant_id_number": number,
        "phone": "13800002222",
        "bank_name": "农商行",
        "bank_account": "62220002",
        "idempotency_key": key,
        "fact_category": "expense",
        "fact_cause": "medical",
        "fact_event_date": "2026-01-05",
        "fact_household_size": "2",
        "fact_monthly_income_per_person": "500",
        "fact_expense": "1800",
        "fact_description": "住院自付",
        **extra,
    }


@pytest.fixture
def resident(django_user_model):
    return django_user_model.objects.create(username="r-upload", kind="resident")


def test_refused_file_writes_no_application_and_the_same_form_goes_through_again(
    client, funded, resident
):
    client.force_login(resident)
    url = reverse("programs:portal_apply", args=["temporary_assistance"])
    number = id_number()

    refused = client.post(
        url,
        _form("portal-upload-1", number, doc_id_card=_file("id.png", FAKE_PNG)),
    )

    assert refused.status_code == 400
    assert "文件内容与扩展名“.png”不符" in refused.content.decode()
    assert Application.objects.count() == 0
    assert Transition.objects.count() == 0 and Decision.objects.count() == 0
    assert Attachment.objects.count() == 0

    # The resident picks the right file and sends the same form (same key) again.
    accepted = client.post(url, _form("portal-upload-1", number, doc_id_card=_file("id.png")))

    assert accepted.status_code == 302
    app = Application.objects.get()
    assert app.resident == resident and app.state == "submitted"
    assert list(Attachment.objects.values_list("kind", flat=True)) == ["id_card"]


def test_education_aid_refused_file_writes_nothing(client, funded, resident):
    client.force_login(resident)
    url = reverse("programs:portal_apply", args=["education_aid"])
    page = client.get(url).content.decode()
    assert 'name="doc_' in page
    doc_field = page.split('name="doc_', 1)[1].split('"', 1)[0]
    response = client.post(
        url,
        {
            "division": GUICHENG_COMMUNITY,
            "applicant_name": "黄三",
            "applicant_id_number": id_number("20100101"),
            "idempotency_key": "edu-upload-1",
            f"doc_{doc_field}": _file("school.png", FAKE_PNG),
        },
    )
    assert response.status_code == 400
    assert "文件内容与扩展名“.png”不符" in response.content.decode()
    assert Application.objects.count() == 0 and Attachment.objects.count() == 0


def test_submit_service_reports_file_and_field_problems_at_once(funded, resident):
    data = services.ApplicationInput(
        programme_code="temporary_assistance",
        division_code=GUICHENG_COMMUNITY,
        applicant_name="",
        applicant_id_number=id_number(),
        bank_account="62220002",
        facts={},
        idempotency_key="svc-upload-1",
    )
    with pytest.raises(ValidationError) as exc:
        services.application_submit(
            actor=resident,
            resident=resident,
            data=data,
            documents=[("id_card", _file("id.png", FAKE_PNG))],
        )
    assert "applicant_name" in exc.value.message_dict
    assert exc.value.message_dict["doc_id_card"] == [
        "文件内容与扩展名“.png”不符，可能已损坏或被改名。"
    ]
    assert Application.objects.count() == 0 and Attachment.objects.count() == 0


def test_form_prefills_bound_identity_and_phone_and_says_what_is_needed(client, funded):
    from minzheng.portal.services import resident_bind_id_number
    from minzheng.portal.tests.factories import resident as make_resident

    user = make_resident("13800003333")
    number = id_number("19700101")
    resident_bind_id_number(user=user, real_name="黄四", id_number=number)
    client.force_login(user)
    page = client.get(
        reverse("programs:portal_apply", args=["temporary_assistance"])
    ).content.decode()
    assert f'value="{number}"' in page and 'value="13800003333"' in page
    assert 'value="黄四"' in page
    before = page.split('data-testid="before-you-apply"', 1)[1].split("</section>", 1)[0]
    assert "需要准备的材料：" in before and "<li>" in before
    assert page.index('data-testid="before-you-apply"') < page.index("<form")
    # Required as the service requires it (a cash programme needs the bank account).
    assert '银行账号 <span class="mz-required">（必填）</span>' in page
    assert "联系电话 <span" not in page


def test_division_is_town_then_community_grouped(client, funded, resident):
    client.force_login(resident)
    page = client.get(
        reverse("programs:portal_apply", args=["temporary_assistance"])
    ).content.decode()
    select = page.split('name="division"', 1)[1].split("</select>", 1)[0]
    assert '<optgroup label="桂城街道">' in select
    assert '<option value="440605011000">桂城街道（镇街本级）</option>' in select
    assert 'data-mz-filters="id_division"' in page


def test_guide_and_progress_lookup_need_no_sign_in(client, funded, resident):
    guide = client.get(reverse("programs:portal_guide", args=["temporary_assistance"]))
    assert guide.status_code == 200
    text = guide.content.decode()
    assert "谁可以申请" in text and "户口簿" in text and "受理：3 个工作日" in text

    client.force_login(resident)
    number = id_number()
    client.post(
        reverse("programs:portal_apply", args=["temporary_assistance"]),
        _form("progress-1", number),
    )
    app = Application.objects.get()
    client.logout()
    url = reverse("programs:portal_progress")
    found = client.post(url, {"number": app.number, "id_number": number}).content.decode()
    assert "待受理" in found and app.number in found

    other = id_number()
    wrong_id = client.post(url, {"number": app.number, "id_number": other}).content.decode()
    no_such = client.post(url, {"number": "JZ20269999999", "id_number": number}).content.decode()

    def answer(page):
        return page.split('data-testid="progress-result">', 1)[1].split("</div>", 1)[0]

    assert (
        answer(wrong_id)
        == answer(no_such)
        == "没有查到与该申请编号和身份证号码对应的申请，请核对后重试。"
    )
    assert app.number not in wrong_id.split("<form", 1)[0].replace(f'value="{app.number}"', "")


def test_progress_lookup_is_rate_limited_per_address(client, funded, settings):
    from django.core.cache import cache

    cache.clear()
    settings.RATE_LIMITS = {"programs.progress_lookup": "2/600s"}
    url = reverse("programs:portal_progress")
    data = {"number": "JZ20260000001", "id_number": id_number()}
    assert client.post(url, data).status_code == 200
    assert client.post(url, data).status_code == 200
    refused = client.post(url, data)
    assert refused.status_code == 429 and "查询过于频繁" in refused.content.decode()
