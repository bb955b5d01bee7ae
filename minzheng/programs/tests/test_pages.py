"""Workbench, case page, actions, batches and the portal pages."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from pypdf import PdfReader

from minzheng.programs import services
from minzheng.programs.models import Application, State

from .conftest import GUICHENG_COMMUNITY, PNG, attach_all, id_number, ta_input

pytestmark = pytest.mark.django_db


def _cases(actor, n, on=None, prefix="p"):
    return [
        services.application_submit(
            actor=actor,
            data=ta_input(idempotency_key=f"{prefix}{i}", applicant_id_number=id_number()),
            on=on,
        )
        for i in range(n)
    ]


def test_queue_page_has_constant_query_count(
    client, funded, town_worker, django_assert_max_num_queries
):
    client.force_login(town_worker)
    url = reverse("programs:workbench") + "?q=accept"
    _cases(town_worker, 2)
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _cases(town_worker, 30, prefix="q")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.status_code == 200
    assert len(many) == len(few)
    assert response.content.decode().count("陈大文") == 32


def test_case_page_out_of_scope_is_404(client, funded, town_worker, jiujiang_case):
    app = _cases(town_worker, 1)[0]
    client.force_login(jiujiang_case)
    assert client.get(reverse("programs:case", args=[app.pk])).status_code == 404
    assert client.post(reverse("programs:case_action", args=[app.pk, "accept"])).status_code == 404
    client.force_login(town_worker)
    body = client.get(reverse("programs:case", args=[app.pk])).content.decode()
    assert "为什么是这个金额" in body and "10440.00" in body


def test_actions_through_the_page(client, funded, town_worker, town_worker_2, officer):
    app = _cases(town_worker, 1)[0]
    client.force_login(town_worker)
    response = client.post(reverse("programs:case_action", args=[app.pk, "accept"]), follow=True)
    assert "材料不齐" in response.content.decode()
    assert Application.objects.get(pk=app.pk).state == State.SUBMITTED
    attach_all(town_worker, app)
    client.post(reverse("programs:case_action", args=[app.pk, "accept"]))
    response = client.post(
        reverse("programs:case_action", args=[app.pk, "visit"]),
        {
            "staff_2": town_worker.pk,
            "visited_on": dt.date.today().isoformat(),
            "household_check": "a",
            "findings": "b",
        },
    )
    assert response.status_code == 400  # staff_2 is the same person: not even offered
    client.post(
        reverse("programs:case_action", args=[app.pk, "visit"]),
        {
            "staff_2": town_worker_2.pk,
            "visited_on": dt.date.today().isoformat(),
            "household_check": "a",
            "findings": "b",
        },
    )
    client.post(reverse("programs:case_action", args=[app.pk, "publicise"]))
    assert Application.objects.get(pk=app.pk).state == State.PUBLICITY
    public = client.get(reverse("programs:publicity")).content.decode()
    assert "陈*文" in public and "陈大文" not in public and "10440.00" in public
    response = client.post(reverse("programs:case_action", args=[app.pk, "refuse"]), {"reason": ""})
    # A refusal needs a reason: the page says so and the case stays where it was.
    assert response.status_code == 400
    assert Application.objects.get(pk=app.pk).state == State.PUBLICITY
    notice = app.notices.get()
    pdf = client.get(reverse("programs:case_notice", args=[app.pk, notice.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert "受理通知书" in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()


def test_counter_intake_form(client, funded, town_worker):
    client.force_login(town_worker)
    url = reverse("programs:case_new") + "?programme=temporary_assistance"
    assert client.get(url).status_code == 200
    data = {
        "division": GUICHENG_COMMUNITY,
        "applicant_name": "林一",
        "applicant_id_number": id_number(),
        "phone": "13800001111",
        "bank_name": "农商行",
        "bank_account": "62220001",
        "idempotency_key": "form-1",
        "fact_category": "emergency",
        "fact_cause": "fire",
        "fact_event_date": "2026-01-05",
        "fact_household_size": "2",
        "fact_monthly_income_per_person": "500",
        "fact_description": "火灾",
        "doc_id_card": _png("id.png"),
    }
    response = client.post(url, data)
    assert response.status_code == 302
    app = Application.objects.get(idempotency_key="form-1")
    assert (
        app.channel == "counter" and services.required_documents_missing(app)[0]["kind"] == "hukou"
    )
    bad = client.post(
        url,
        {
            **data,
            "idempotency_key": "form-2",
            "fact_cause": "medical",
            "doc_id_card": _png("id.png"),
        },
    )
    assert bad.status_code == 400 and "急难型救助的事由应为" in bad.content.decode()
    assert Application.objects.count() == 1


def _png(name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, PNG, content_type="image/png")


def test_resident_applies_and_follows(client, funded, django_user_model):
    resident = django_user_model.objects.create(username="r-1", kind="resident")
    client.force_login(resident)
    assert "临时救助" in client.get(reverse("programs:portal_home")).content.decode()
    url = reverse("programs:portal_apply", args=["temporary_assistance"])
    data = {
        "division": GUICHENG_COMMUNITY,
        "applicant_name": "黄二",
        "applicant_id_number": id_number(),
        "phone": "13800002222",
        "bank_name": "农商行",
        "bank_account": "62220002",
        "idempotency_key": "portal-1",
        "fact_category": "expense",
        "fact_cause": "medical",
        "fact_event_date": "2026-01-05",
        "fact_household_size": "2",
        "fact_monthly_income_per_person": "500",
        "fact_expense": "1800",
        "fact_description": "住院自付",
        "doc_id_card": _png("id.png"),
    }
    response = client.post(url, data)
    app = Application.objects.get(idempotency_key="portal-1")
    assert response.status_code == 302 and app.resident == resident and app.channel == "portal"
    assert (
        client.post(url, {**data, "doc_id_card": _png("id.png")}).status_code == 302
    )  # same key: same case
    assert Application.objects.count() == 1
    page = client.get(reverse("programs:portal_case", args=[app.pk])).content.decode()
    assert "待受理" in page and "1800.00" in page
    other = django_user_model.objects.create(username="r-2", kind="resident")
    client.force_login(other)
    assert client.get(reverse("programs:portal_case", args=[app.pk])).status_code == 404


def test_batch_pages(client, funded, officer):
    from .test_disbursement_and_notices import approved_cases

    approved_cases(officer, 2)
    client.force_login(officer)
    response = client.post(
        reverse("programs:batches"), {"programme": "", "group_by_payee": "", "action": "create"}
    )
    assert response.status_code == 302
    batch_url = response["Location"]
    assert client.get(batch_url).status_code == 200
    export = client.get(batch_url + "bank.xlsx")
    assert export.status_code == 200 and export.content[:2] == b"PK"


def test_second_investigator_offers_only_staff_who_may_investigate_this_case(
    client, funded, town_worker, town_worker_2, jiujiang_case, officer, make_staff
):
    from minzheng.core import roles
    from minzheng.funeral.roles import FUNERAL_HOME_STAFF
    from minzheng.programs import selectors
    from minzheng.qingming.roles import CEMETERY_STAFF

    from .conftest import D1, DISTRICT, attach_all, ta_input

    make_staff("a_leader", roles.LEADER, DISTRICT)
    make_staff("a_funeral_home", FUNERAL_HOME_STAFF, DISTRICT)
    make_staff("a_cemetery", CEMETERY_STAFF, DISTRICT)
    make_staff("an_admin", roles.SYSTEM_ADMIN, DISTRICT, superuser=True)
    app = services.application_submit(actor=town_worker, data=ta_input(), on=D1)
    attach_all(town_worker, app)
    services.application_accept(actor=town_worker, application=app, on=D1)
    offered = [
        u.username for u in selectors.second_investigators(user=town_worker, application=app)
    ]
    assert "gc_case2" in offered
    assert not {"gc_case", "jj_case", "a_leader", "a_funeral_home", "a_cemetery", "an_admin"} & set(
        offered
    )
    for username in offered:  # the service accepts everyone the form offers
        user = get_user_model().objects.get(username=username)
        assert user.has_perm("programs.investigate_application")
    client.force_login(town_worker)
    page = client.get(f"/staff/programs/cases/{app.pk}/").content.decode()
    assert "gc_case2" in page and "a_funeral_home" not in page and "jj_case" not in page


def test_the_counter_form_reports_every_problem_in_one_round(client, funded, town_worker):
    client.force_login(town_worker)
    wrong = id_number()[:-1] + ("0" if id_number()[-1] != "0" else "1")  # bad check digit
    response = client.post(
        "/staff/programs/cases/new/?programme=temporary_assistance",
        {
            "idempotency_key": "k1",
            "division": GUICHENG_COMMUNITY,
            "applicant_name": "",  # the form's own check
            "applicant_id_number": wrong,  # the service's check
            "bank_name": "南海农商银行",
            "bank_account": "6229000012345678",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "applicant_name" in errors and "applicant_id_number" in errors
    assert Application.objects.count() == 0
