"""Qingming in a real browser: a resident books on a phone in elder mode; cemetery staff check
visitors in at the gate by typed code, through the offline queue, and by the phone's camera
(Chromium's fake camera plays a video of the booking's QR code, decoded by jsQR)."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The same lookup as e2e/conftest.py (which a test module cannot import).
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def _id_number(n: int) -> str:
    from minzheng.registry.validators import check_character

    first17 = f"44060519580302{n:03d}"
    return first17 + check_character(first17)


@pytest.fixture
def qingming(divisions):
    """A cemetery with a gate, a season in progress, today's and tomorrow's slots, a resident
    and a cemetery staff account."""
    from django.utils import timezone

    from minzheng.core import roles
    from minzheng.core.demo_accounts import ensure_account
    from minzheng.core.models import User
    from minzheng.portal.models import ResidentProfile
    from minzheng.qingming import params
    from minzheng.qingming.models import CarPark, Cemetery, Gate, Season, Slot
    from minzheng.qingming.roles import CEMETERY_STAFF
    from minzheng.registry import pii, validators

    params.clear_cache()
    today = timezone.localdate()
    season = Season.objects.create(
        year=2090,
        name="测试祭扫季",
        qingming_at=timezone.now(),
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=5),
        booking_opens_at=timezone.now() - dt.timedelta(days=2),
    )
    cemetery = Cemetery.objects.create(
        name="桂城测试公墓", division_id="440605011000", max_inside=500
    )
    gate = Gate.objects.create(cemetery=cemetery, name="东门")
    CarPark.objects.create(cemetery=cemetery, name="停车场", capacity=50)
    slots = {
        "today": Slot.objects.create(
            season=season,
            cemetery=cemetery,
            date=today,
            starts_at=dt.time(0, 30),
            ends_at=dt.time(2),
            capacity=20,
            car_capacity=5,
        ),
        "tomorrow": Slot.objects.create(
            season=season,
            cemetery=cemetery,
            date=today + dt.timedelta(days=1),
            starts_at=dt.time(9),
            ends_at=dt.time(11),
            capacity=20,
            car_capacity=5,
        ),
    }
    resident = User.objects.create(username="r-e2e", kind=User.Kind.RESIDENT)
    phone = "13912340000"
    ResidentProfile.objects.create(
        user=resident,
        phone=phone,
        phone_hash=pii.blind_index(phone, kind="phone"),
        phone_masked=validators.mask_phone(phone),
        real_name="梁婆婆",
        id_number=_id_number(1),
        id_number_hash=pii.blind_index(_id_number(1), kind="id"),
        id_number_masked="4406**********0011",
    )
    roles.sync_roles()
    staff = ensure_account(
        username="cemetery_staff",
        display_name="墓园工作人员",
        division="440605000000",
        role=CEMETERY_STAFF,
        password="Test-Password-123",
    )
    return {
        "season": season,
        "cemetery": cemetery,
        "gate": gate,
        "slots": slots,
        "resident": resident,
        "staff": staff,
    }


def _book_today(q, n: int, party: int = 2):
    """A booking for today's slot, made the evening before (the slot has started by now)."""
    from minzheng.qingming import rules, services

    yesterday = q["slots"]["today"].date - dt.timedelta(days=1)
    r, _ = services.reservation_create(
        actor=q["resident"],
        slot_id=q["slots"]["today"].pk,
        notify=False,
        now=dt.datetime.combine(yesterday, dt.time(20), tzinfo=rules.CHINA),
        visitor=services.VisitorInput(name="陈伯", id_number=_id_number(100 + n), party_size=party),
    )
    return r


def test_resident_books_a_visit_on_a_phone_in_elder_mode(phone_page, force_login, qingming):
    from minzheng.qingming.models import Reservation

    page = phone_page
    force_login(page, qingming["resident"])
    page.goto("/portal/")
    page.get_by_test_id("elder-on").tap()
    expect(page.locator("html")).to_have_class(re.compile(r"elder"))
    page.get_by_role("link", name=re.compile("清明祭扫预约")).tap()
    # Elder mode lists the cemeteries on the Qingming page: one step fewer.
    page.get_by_test_id("elder-cemeteries").get_by_role(
        "link", name=re.compile("桂城测试公墓")
    ).tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("第 2 步：选择日期和时段")
    page.get_by_test_id(f"slot-{qingming['slots']['tomorrow'].pk}").tap()
    # Elder mode, bound account: name and ID are filled in; one tap books.
    expect(page.get_by_label("祭扫人姓名")).to_have_value("梁婆婆")
    page.get_by_label("车牌号（不开车可不填）").fill("粤AD12345")
    page.get_by_role("button", name="确认预约").tap()

    expect(page).to_have_url(re.compile(r"/portal/qingming/bookings/[A-Z2-7]{16}/$"))
    booking = Reservation.objects.get()
    expect(page.get_by_test_id("short-code")).to_have_text(
        f"{booking.short_code[:4]} {booking.short_code[4:]}"
    )
    expect(page.get_by_test_id("qr").locator("svg")).to_be_visible()
    assert (booking.plate, booking.party_size, booking.channel) == ("粤AD12345", 1, "online")

    # Cancelling asks first, naming the visit; dismissed, the booking stays.
    asked = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.get_by_role("button", name="取消预约").tap()
    expect(page.get_by_test_id("status")).to_have_text("待入园")
    assert asked and "桂城测试公墓的祭扫预约吗" in asked[0]
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="取消预约").tap()
    expect(page.get_by_test_id("status")).to_have_text("已取消")


def test_gate_typed_code_retry_double_entry_and_offline_queue(phone_page, force_login, qingming):
    from minzheng.qingming.models import CheckIn, Reservation

    first, second = _book_today(qingming, 1), _book_today(qingming, 2, party=3)
    page = phone_page
    force_login(page, qingming["staff"])
    page.goto("/staff/qingming/gate/")
    code = page.get_by_label("核验码")

    code.fill(first.short_code)
    page.get_by_role("button", name="核验", exact=True).tap()
    expect(page.get_by_test_id("result")).to_have_text(re.compile(r"✓ 入园：陈伯 2 人"))
    expect(page.get_by_test_id("pending")).to_have_text("0")

    code.fill(first.short_code)  # the same visitor again: refused, listed as a conflict
    page.get_by_role("button", name="核验", exact=True).tap()
    expect(page.get_by_test_id("result")).to_have_text(re.compile("不能重复入园"))
    expect(page.get_by_test_id("conflicts")).to_contain_text("不能重复入园")

    # The connection drops: the scan waits in the queue, then goes when it is back.
    page.context.set_offline(True)
    code.fill(second.short_code)
    page.get_by_role("button", name="核验", exact=True).tap()
    expect(page.get_by_test_id("pending")).to_have_text("1")
    assert Reservation.objects.get(pk=second.pk).status == "booked"
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.get_by_test_id("pending")).to_have_text("0")
    expect(page.get_by_test_id("result")).to_have_text(re.compile(r"✓ 入园：陈伯 3 人"))
    assert Reservation.objects.get(pk=second.pk).status == "checked_in"
    assert CheckIn.objects.count() == 2

    page.get_by_text("出园", exact=True).tap()
    code.fill(first.short_code)
    page.get_by_role("button", name="核验", exact=True).tap()
    expect(page.get_by_test_id("result")).to_have_text(re.compile(r"✓ 出园：陈伯 2 人"))
    assert Reservation.objects.get(pk=first.pk).status == "left"


def _qr_video(payload: str, path) -> None:
    """A y4m video (Chromium's fake camera input) showing the QR code of `payload`."""
    import segno

    matrix = [list(row) for row in segno.make(payload, error="m").matrix]
    border, size = 4, len(matrix) + 8
    scale = 440 // size
    width, height = 640, 480
    y = bytearray([235]) * (width * height)
    ox, oy = (width - size * scale) // 2, (height - size * scale) // 2
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                for dy in range(scale):
                    start = (oy + (r + border) * scale + dy) * width + ox + (c + border) * scale
                    y[start : start + scale] = bytes(scale)
    chroma = bytes([128]) * (width * height // 4)
    with open(path, "wb") as fh:
        fh.write(f"YUV4MPEG2 W{width} H{height} F5:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(5):
            fh.write(b"FRAME\n" + bytes(y) + chroma + chroma)


def test_gate_scans_a_qr_code_with_the_camera(
    browser, live_server, force_login, qingming, tmp_path
):
    from minzheng.qingming import services
    from minzheng.qingming.models import Reservation

    booking = _book_today(qingming, 3)
    video = tmp_path / "qr.y4m"
    _qr_video(services.qr_payload(booking), video)
    # A second Chromium from the same Playwright, whose fake camera plays the QR video.
    camera_browser = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = camera_browser.new_context(
            base_url=live_server.url, viewport={"width": 390, "height": 844}, locale="zh-CN"
        )
        context.grant_permissions(["camera"], origin=live_server.url)
        page = context.new_page()
        force_login(page, qingming["staff"])
        page.goto("/staff/qingming/gate/")
        page.get_by_role("button", name="打开摄像头扫码").click()
        expect(page.get_by_test_id("result")).to_have_text(
            re.compile(r"✓ 入园：陈伯 2 人"), timeout=20_000
        )
    finally:
        camera_browser.close()
    assert Reservation.objects.get(pk=booking.pk).status == "checked_in"
