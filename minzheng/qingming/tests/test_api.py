import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from minzheng.qingming import services
from minzheng.qingming.models import CheckIn, IdQuota, Reservation

from .factories import id_number

pytestmark = pytest.mark.django_db
URL = "/api/v1/qingming/"


@pytest.fixture
def client_as():
    def make(user=None):
        c = APIClient()
        if user is not None:
            c.force_authenticate(user)
        return c

    return make


def booking(slot, **kw):
    return {"slot": slot.pk, "name": "陈秀英", "id_number": id_number(), "party_size": 2} | kw


def test_cemeteries_and_slots_are_public_with_remaining_places(client_as, cemetery, slot, resident):
    services.reservation_create(
        actor=resident,
        slot_id=slot.pk,
        visitor=services.VisitorInput(
            name="甲", id_number=id_number(), party_size=3, plate="粤A12345"
        ),
    )
    c = client_as()
    cems = c.get(URL + "cemeteries/").json()
    assert [x["name"] for x in cems] == ["测试公墓"] and [g["name"] for g in cems[0]["gates"]] == [
        "东门",
        "西门",
    ]
    slots = c.get(URL + "slots/", {"cemetery": cemetery.pk, "date": slot.date.isoformat()}).json()
    assert [
        (s["id"], s["capacity"], s["remaining"], s["car_capacity"], s["cars_remaining"])
        for s in slots
    ] == [(slot.pk, 10, 7, 3, 2)]
    assert c.get(URL + "slots/", {"cemetery": cemetery.pk, "date": "2027-13-01"}).status_code == 400


def test_booking_201_then_same_idempotency_key_returns_the_same_booking(client_as, resident, slot):
    c = client_as(resident)
    body = booking(slot, plate="粤AF12345")
    first = c.post(URL + "reservations/", body, format="json", HTTP_IDEMPOTENCY_KEY="abc-123")
    again = c.post(URL + "reservations/", body, format="json", HTTP_IDEMPOTENCY_KEY="abc-123")
    assert first.status_code == 201 and again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    data = first.json()
    assert (
        data["code"] == again.json()["code"]
        and data["status"] == "booked"
        and data["plate"] == "粤AF12345"
    )
    assert ":" in data["qr"] and len(data["short_code"]) == 8
    assert Reservation.objects.count() == 1
    mine = c.get(URL + "reservations/").json()
    assert [r["code"] for r in mine] == [data["code"]]


def test_bad_input_is_400_with_field_messages_and_writes_nothing(client_as, resident, slot):
    r = client_as(resident).post(
        URL + "reservations/",
        booking(slot, id_number="440605196001011235", party_size=9, plate="粤12345"),
        format="json",
    )
    assert r.status_code == 400
    body = r.json()
    assert set(body) == {"id_number", "party_size", "plate"}
    assert body["party_size"] == ["祭扫人数须为 1 至 5 人。"]
    assert Reservation.objects.count() == 0 and IdQuota.objects.count() == 0


def test_full_slot_is_409_with_a_reason(client_as, resident, make_slot):
    slot = make_slot(capacity=2)
    c = client_as(resident)
    assert c.post(URL + "reservations/", booking(slot), format="json").status_code == 201
    r = c.post(URL + "reservations/", booking(slot), format="json")
    assert r.status_code == 409
    assert r.json() == {"reason": "slot_full", "detail": "该时段已约满，请选择其他时段。"}


@override_settings(QINGMING_BOOKING_RATE_LIMIT=(3, 60))
def test_flooding_from_one_address_is_429_in_chinese_and_writes_nothing(client_as, resident, slot):
    c = client_as(resident)
    codes = [
        c.post(
            URL + "reservations/",
            booking(slot, party_size=0),
            format="json",
            REMOTE_ADDR="10.0.0.9",
        ).status_code
        for _ in range(4)
    ]
    assert codes == [400, 400, 400, 429]
    r = c.post(URL + "reservations/", booking(slot), format="json", REMOTE_ADDR="10.0.0.9")
    assert r.status_code == 429 and "过于频繁" in r.json()["detail"] and int(r["Retry-After"]) >= 1
    assert Reservation.objects.count() == 0
    assert (
        c.post(
            URL + "reservations/", booking(slot), format="json", REMOTE_ADDR="10.0.0.10"
        ).status_code
        == 201
    )


@override_settings(QINGMING_BOOKING_RATE_LIMIT=(3, 60), TRUSTED_PROXIES=["10.0.0.2"])
def test_rotating_x_real_ip_does_not_escape_the_booking_rate_limit(client_as, resident, slot):
    c = client_as(resident)
    codes = [
        c.post(
            URL + "reservations/",
            booking(slot, party_size=0),
            format="json",
            REMOTE_ADDR="10.0.0.9",
            HTTP_X_REAL_IP=f"198.51.100.{i}",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i}",
        ).status_code
        for i in range(4)
    ]
    assert codes == [400, 400, 400, 429]
    # Behind the trusted proxy the header is the client: two clients, two counters.
    proxied = [
        c.post(
            URL + "reservations/",
            booking(slot, party_size=0),
            format="json",
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_REAL_IP=ip,
        ).status_code
        for ip in ("203.0.113.1",) * 4 + ("203.0.113.2",)
    ]
    assert proxied == [400, 400, 400, 429, 400]
    assert Reservation.objects.count() == 0


def test_anonymous_cannot_book_and_resident_cannot_scan(client_as, resident, slot, gate):
    assert client_as().post(URL + "reservations/", booking(slot), format="json").status_code in (
        401,
        403,
    )
    r = client_as(resident).post(
        URL + "checkins/",
        {"gate": gate.pk, "direction": "in", "nonce": "n-00000001", "code": "x"},
        format="json",
    )
    assert r.status_code == 403


def test_checkin_api_201_replay_200_and_conflict_409(
    client_as, resident, staff, make_slot, today, gate
):
    import datetime as dt

    from .factories import at

    slot = make_slot(day=today, start=1)  # today's slot, booked the evening before
    r, _ = services.reservation_create(
        actor=resident,
        slot_id=slot.pk,
        now=at(today - dt.timedelta(days=1), 20),
        visitor=services.VisitorInput(name="王五", id_number=id_number(), party_size=2),
    )
    c = client_as(staff)
    body = {
        "gate": gate.pk,
        "direction": "in",
        "nonce": "gate-nonce-1",
        "code": services.qr_payload(r),
    }
    first = c.post(URL + "checkins/", body, format="json")
    assert first.status_code == 201 and first.json()["reservation"]["party_size"] == 2
    again = c.post(URL + "checkins/", body, format="json")
    assert again.status_code == 200 and again.json()["replayed"] is True
    twice = c.post(URL + "checkins/", body | {"nonce": "gate-nonce-2"}, format="json")
    assert twice.status_code == 409 and twice.json()["reason"] == "already_inside"
    forged = c.post(
        URL + "checkins/",
        body | {"nonce": "gate-nonce-3", "code": body["code"][:-2] + "zz"},
        format="json",
    )
    assert forged.status_code == 400 and "code" in forged.json()
    assert CheckIn.objects.count() == 1
    live = c.get(URL + "live/").json()
    assert live["cemeteries"][0]["inside"] == 2


def test_cancel_api(client_as, resident, slot):
    c = client_as(resident)
    code = c.post(URL + "reservations/", booking(slot), format="json").json()["code"]
    r = c.post(URL + f"reservations/{code}/cancel/", {}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert c.post(URL + "reservations/NOTMINE/cancel/", {}, format="json").status_code == 404


def test_schema_documents_the_endpoints(client_as, admin_user):
    schema = client_as(admin_user).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in ("cemeteries/", "slots/", "reservations/", "checkins/", "live/"):
        assert f"/api/v1/qingming/{path}" in schema["paths"]


def test_fast_output_equals_the_documented_serializer(resident, slot):
    from minzheng.qingming.api import ReservationOut, reservation_out

    r, _ = services.reservation_create(
        actor=resident,
        slot_id=slot.pk,
        visitor=services.VisitorInput(
            name="陈秀英", id_number=id_number(), party_size=2, plate="粤AF12345"
        ),
    )
    r = Reservation.objects.select_related("slot", "cemetery").get(pk=r.pk)
    assert reservation_out(r) == ReservationOut(r).data


def test_fast_input_has_the_documented_fields_and_refuses_wrong_types(client_as, resident, slot):
    from minzheng.qingming.api import ReservationApi, booking_input

    body = booking(slot, plate="粤A12345", phone="", channel="online")
    assert set(booking_input(body)) == set(ReservationApi.Input().fields)
    r = client_as(resident).post(
        URL + "reservations/",
        {"slot": "第一场", "name": "", "id_number": 440605, "party_size": True},
        format="json",
    )
    assert r.status_code == 400
    assert r.json() == {
        "slot": ["请填写时段（整数）。"],
        "party_size": ["请填写祭扫人数（整数）。"],
        "name": ["此项为必填项。"],
        "id_number": ["此项须为文字。"],
    }
    r = client_as(resident).post(URL + "reservations/", [1, 2], format="json")
    assert r.status_code == 400 and "non_field_errors" in r.json()
    assert Reservation.objects.count() == 0 and IdQuota.objects.count() == 0


def test_booking_with_a_real_token_costs_a_fixed_number_of_queries(
    resident, slot, django_assert_max_num_queries
):
    """Token auth (token + user + profile) 1, slot with season and cemetery 1, then the
    transaction: quota upsert, slot update, reservation insert (+ savepoint statements in
    the test's wrapping transaction); the policy parameters come from a per-process snapshot.
    The opening burst depends on this staying small."""
    from rest_framework.authtoken.models import Token

    from minzheng.qingming import params as qparams

    token = Token.objects.create(user=resident)
    c = APIClient()
    qparams.booking_params(division_code=slot.cemetery.division_id, on=slot.date)  # snapshot: 1
    with django_assert_max_num_queries(7):
        r = c.post(
            URL + "reservations/",
            booking(slot),
            format="json",
            HTTP_AUTHORIZATION=f"Token {token.key}",
            HTTP_IDEMPOTENCY_KEY="q-1",
        )
    assert r.status_code == 201 and r.json()["phone_masked"] == "138****8000"
    again = c.post(
        URL + "reservations/",
        booking(slot),
        format="json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
        HTTP_IDEMPOTENCY_KEY="q-1",
    )
    assert again.status_code == 201 and again.json()["code"] == r.json()["code"]
    assert Reservation.objects.count() == 1


def test_booking_lists_never_decrypt(client_as, resident, staff, slot, monkeypatch):
    from minzheng.registry import pii

    services.reservation_create(
        actor=resident,
        slot_id=slot.pk,
        visitor=services.VisitorInput(name="陈秀英", id_number=id_number(), party_size=1),
    )

    def refuse(value):
        raise AssertionError("a list decrypted a stored value")

    monkeypatch.setattr(pii, "decrypt", refuse)
    mine = client_as(resident).get(URL + "reservations/").json()
    assert [r["phone_masked"] for r in mine] == ["138****8000"]
    assert len(client_as(staff).get(URL + "reservations/").json()) == 1


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1999-12-31"])
def test_live_and_slots_refuse_a_date_outside_the_platforms_window(client_as, staff, slot, day):
    live = client_as(staff).get(URL + "live/", {"date": day})
    slots = client_as().get(URL + "slots/", {"cemetery": slot.cemetery_id, "date": day})

    assert (live.status_code, slots.status_code) == (400, 400)
    assert list(live.json()) == list(slots.json()) == ["date"]
    assert live.json()["date"][0].startswith("日期须在 2000-01-01 至 ")


def test_booking_refuses_text_direction_controls_in_the_name(client_as, resident, slot):
    r = client_as(resident).post(
        URL + "reservations/", booking(slot, name="陈\u202e英秀"), format="json"
    )

    assert r.status_code == 400
    assert r.json() == {
        "name": ["不能包含文字方向控制符（如 U+202E）：它们会让显示的文字与实际内容不一致。"]
    }
    assert Reservation.objects.count() == 0 and IdQuota.objects.count() == 0


def test_slots_of_a_cemetery_id_beyond_64_bits_is_400(client_as, slot):
    r = client_as().get(URL + "slots/", {"cemetery": str(10**20), "date": str(slot.date)})

    assert r.status_code == 400
    assert r.json() == {"cemetery": ["请指定墓园。"]}


@pytest.mark.parametrize("slot_value", ["²", "١", str(10**20)])
def test_booking_with_a_slot_that_only_looks_like_a_number_is_400(
    client_as, resident, slot, slot_value
):
    r = client_as(resident).post(
        URL + "reservations/", booking(slot) | {"slot": slot_value}, format="json"
    )

    assert r.status_code == 400
    assert list(r.json()) == ["slot"]
    assert Reservation.objects.count() == 0


def test_slots_of_a_superscript_cemetery_is_400(client_as, slot):
    r = client_as().get(URL + "slots/", {"cemetery": "²", "date": str(slot.date)})

    assert r.status_code == 400
