import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from minzheng.qingming import services
from minzheng.qingming.models import Memorial, ProxySweep, Reservation, Tribute

from .factories import id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def test_portal_journey_cemetery_day_slot_form_booking_and_cancel(
    signed_in, resident, cemetery, season, slot
):
    c = signed_in(resident)
    assert "测试公墓" in c.get("/portal/qingming/book/").content.decode()
    page = c.get(f"/portal/qingming/book/{cemetery.pk}/").content.decode()
    assert f"/portal/qingming/book/slot/{slot.pk}/" in page and "余 10 人" in page
    form = c.get(f"/portal/qingming/book/slot/{slot.pk}/").content.decode()
    assert "祭扫人身份证号码" in form and "138****8000" in form
    bad = c.post(
        f"/portal/qingming/book/slot/{slot.pk}/",
        {"name": "陈秀英", "id_number": "440605196001011235", "party_size": 1},
    )
    assert bad.status_code == 200 and "校验位不正确" in bad.content.decode()
    assert Reservation.objects.count() == 0
    r = c.post(
        f"/portal/qingming/book/slot/{slot.pk}/",
        {
            "name": "陈秀英",
            "id_number": id_number(),
            "party_size": 2,
            "plate": "粤A12345D",
            "idempotency_key": "form-key-1",
        },
    )
    booking = Reservation.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/portal/qingming/bookings/{booking.code}/"
    detail = c.get(r["Location"]).content.decode()
    assert "<svg" in detail and f"{booking.short_code[:4]} {booking.short_code[4:]}" in detail
    assert booking.code in c.get("/portal/qingming/").content.decode()
    c.post(f"/portal/qingming/bookings/{booking.code}/cancel/")
    booking.refresh_from_db()
    assert booking.status == "cancelled"


def test_booking_pages_need_a_resident_and_hide_others_bookings(
    client, signed_in, make_resident, resident, slot, staff
):
    # The seasons page is open to everyone (dates and opening times); booking is not.
    assert client.get("/portal/qingming/").status_code == 200
    assert client.get(f"/portal/qingming/book/slot/{slot.pk}/").status_code == 302
    r, _ = services.reservation_create(
        actor=resident,
        slot_id=slot.pk,
        visitor=services.VisitorInput(name="甲", id_number=id_number(), party_size=1),
    )
    other = make_resident(phone="13700137000")
    assert signed_in(other).get(f"/portal/qingming/bookings/{r.code}/").status_code == 404
    assert signed_in(staff).get(f"/portal/qingming/book/slot/{slot.pk}/").status_code == 403


def test_elder_mode_prefills_the_bound_resident(client, signed_in, make_resident, slot):
    number = id_number()
    elder = make_resident(phone="13600136000", real_name="梁婆婆", id_num=number)
    c = signed_in(elder)
    c.cookies["mz_elder"] = "1"
    page = c.get(f"/portal/qingming/book/slot/{slot.pk}/").content.decode()
    assert 'class="elder"' in page and 'value="梁婆婆"' in page and f'value="{number}"' in page


def test_staff_pages_render(signed_in, staff, resident, slot, season, cemetery):
    services.reservation_create(
        actor=resident,
        slot_id=slot.pk,
        visitor=services.VisitorInput(name="甲", id_number=id_number(), party_size=1),
    )
    c = signed_in(staff)
    for url in (
        "/staff/qingming/",
        "/staff/qingming/live/",
        f"/staff/qingming/seasons/{season.year}/",
        "/staff/qingming/reservations/",
        "/staff/qingming/book/",
        f"/staff/qingming/book/?cemetery={cemetery.pk}&slot={slot.pk}",
        "/staff/qingming/gate/",
        "/staff/qingming/proxy/",
        "/staff/qingming/moderation/",
    ):
        assert c.get(url).status_code == 200, url
    gate_page = c.get("/staff/qingming/gate/").content.decode()
    assert "vendor/jsqr/jsQR.js" in gate_page and "qingming/gate.js" in gate_page
    assert "vendor/echarts/echarts.min.js" in c.get("/staff/qingming/live/").content.decode()


def test_reservation_list_query_count_does_not_grow(
    signed_in, staff, resident, slot, django_assert_max_num_queries
):
    c = signed_in(staff)
    for _ in range(5):
        services.reservation_create(
            actor=resident,
            slot_id=slot.pk,
            visitor=services.VisitorInput(name="甲", id_number=id_number(), party_size=1),
        )
    with django_assert_max_num_queries(12):
        assert c.get("/staff/qingming/reservations/").status_code == 200


def test_staff_pages_refuse_other_roles(signed_in, guicheng_worker):
    c = signed_in(guicheng_worker)
    assert c.get("/staff/qingming/gate/").status_code == 403
    assert c.get("/staff/qingming/live/").status_code == 403


def test_counter_booking_page_books_on_behalf(signed_in, staff, cemetery, slot):
    c = signed_in(staff)
    r = c.post(
        f"/staff/qingming/book/?cemetery={cemetery.pk}&slot={slot.pk}",
        {
            "name": "何伯",
            "id_number": id_number(),
            "party_size": 1,
            "phone": "13912345678",
            "channel": "phone",
        },
    )
    booking = Reservation.objects.get()
    assert r.status_code == 302 and (booking.channel, booking.booked_by) == ("phone", staff)


def test_season_report_and_xlsx_export(signed_in, staff, season):
    from openpyxl import load_workbook

    from minzheng.core.models import OperationLog

    c = signed_in(staff)
    r = c.get(f"/staff/qingming/seasons/{season.year}/export.xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws["A2"].value == "墓园" and ws["A3"].value == "合计"
    assert OperationLog.objects.filter(action="export").count() == 1


def _png() -> bytes:
    import base64

    return base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )


def test_proxy_sweep_request_fee_status_and_photo_back(
    signed_in, resident, staff, cemetery, client
):
    c = signed_in(resident)
    wish = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    r = c.post(
        "/portal/qingming/proxy/",
        {
            "cemetery": cemetery.pk,
            "deceased_name": "陈伯",
            "grave_location": "福区 3 排 5 号",
            "wish_date": wish,
            "contact_name": "陈秀英",
        },
    )
    sweep = ProxySweep.objects.get()
    assert r.status_code == 302 and (str(sweep.fee), sweep.fee_rule["reason"]) == (
        "80.00",
        "按标准收费",
    )
    s = signed_in(staff)
    s.post(f"/staff/qingming/proxy/{sweep.pk}/", {"to": "accepted"})
    ProxySweep.objects.filter(pk=sweep.pk).update(wish_date=dt.date.today())  # the day comes
    no_photo = s.post(f"/staff/qingming/proxy/{sweep.pk}/", {"to": "done", "paid": "on"})
    assert "须上传祭扫照片" in no_photo.content.decode()
    photo = SimpleUploadedFile("sweep.png", _png(), content_type="image/png")
    s.post(f"/staff/qingming/proxy/{sweep.pk}/", {"to": "done", "paid": "on", "photo": photo})
    sweep.refresh_from_db()
    assert (sweep.status, sweep.is_paid) == ("done", True)
    c = signed_in(resident)
    page = c.get(f"/portal/qingming/proxy/{sweep.pk}/").content.decode()
    assert "已完成" in page and "/photo/" in page
    token = page.split("/photo/")[1].split("/")[0]
    assert c.get(f"/portal/qingming/proxy/{sweep.pk}/photo/{token}/").status_code == 200


def test_memorial_messages_are_public_only_after_moderation(signed_in, resident, staff, client):
    memorial = services.memorial_create(actor=resident, deceased_name="陈公")
    assert client.get(f"/portal/qingming/memorials/{memorial.pk}/").status_code == 404
    services.moderate(actor=staff, item=memorial, approve=True)
    c = signed_in(resident)
    c.post(f"/portal/qingming/memorials/{memorial.pk}/", {"kind": "flower"})
    c.post(f"/portal/qingming/memorials/{memorial.pk}/", {"kind": "message", "text": "思念绵长"})
    page = c.get(f"/portal/qingming/memorials/{memorial.pk}/").content.decode()
    assert "1 束鲜花" in page and "思念绵长" not in page
    message = Tribute.objects.get(kind="message")
    signed_in(staff).post(
        "/staff/qingming/moderation/", {"type": "tribute", "id": message.pk, "approve": "1"}
    )
    assert (
        "思念绵长"
        in signed_in(resident).get(f"/portal/qingming/memorials/{memorial.pk}/").content.decode()
    )
    assert Memorial.objects.get().status == "approved"
