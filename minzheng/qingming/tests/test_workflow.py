"""代客祭扫 requests move only by the declared moves (workflows.PROXY_SWEEP), each with one
log row; the staff page offers only the declared next states."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from minzheng.qingming import services
from minzheng.qingming.models import ProxySweep, ProxySweepTransition

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def _sweep(signed_in, resident, cemetery) -> ProxySweep:
    signed_in(resident).post(
        "/portal/qingming/proxy/",
        {
            "cemetery": cemetery.pk,
            "deceased_name": "陈伯",
            "grave_location": "福区 3 排 5 号",
            "wish_date": (dt.date.today() + dt.timedelta(days=3)).isoformat(),
            "contact_name": "陈秀英",
        },
    )
    return ProxySweep.objects.get()


def test_request_and_declared_move_write_one_log_row_each(signed_in, resident, staff, cemetery):
    sweep = _sweep(signed_in, resident, cemetery)
    services.proxy_sweep_update(actor=staff, sweep=sweep, to="accepted", note="已安排")
    rows = list(
        ProxySweepTransition.objects.filter(sweep=sweep).values_list(
            "name", "from_state", "to_state", "actor", "reason"
        )
    )
    assert rows == [
        ("request", "", "submitted", resident.pk, "按标准收费"),
        ("accept", "submitted", "accepted", staff.pk, "已安排"),
    ]
    sweep.refresh_from_db()
    assert (sweep.status, sweep.staff_note) == ("accepted", "已安排")


def test_undeclared_move_is_refused_and_writes_nothing(signed_in, resident, staff, cemetery):
    sweep = _sweep(signed_in, resident, cemetery)
    with pytest.raises(ValidationError) as exc:  # submitted → done skips 受理
        services.proxy_sweep_update(actor=staff, sweep=sweep, to="done", paid=True, photo=None)
    assert exc.value.message_dict == {"status": ["当前状态不能进行此操作。"]}
    assert ProxySweepTransition.objects.filter(sweep=sweep).count() == 1
    assert ProxySweep.objects.get(pk=sweep.pk).status == "submitted"


def test_stale_sweep_is_a_conflict_and_writes_nothing(signed_in, resident, staff, cemetery):
    sweep = _sweep(signed_in, resident, cemetery)
    stale = ProxySweep.objects.get(pk=sweep.pk)
    services.proxy_sweep_update(actor=staff, sweep=sweep, to="accepted")
    with pytest.raises(ValidationError) as exc:
        services.proxy_sweep_update(actor=staff, sweep=stale, to="rejected", note="重复申请")
    assert exc.value.message_dict == {"status": ["该申请刚被他人办理，请刷新后重试。"]}
    assert ProxySweepTransition.objects.filter(sweep=sweep).count() == 2
    assert ProxySweep.objects.get(pk=sweep.pk).status == "accepted"


def test_staff_page_offers_only_the_declared_next_states(signed_in, resident, staff, cemetery):
    sweep = _sweep(signed_in, resident, cemetery)
    s = signed_in(staff)
    page = s.get(f"/staff/qingming/proxy/{sweep.pk}/").content.decode()
    assert 'value="accepted"' in page and 'value="rejected"' in page
    assert 'value="done"' not in page and 'value="submitted"' not in page
    s.post(f"/staff/qingming/proxy/{sweep.pk}/", {"to": "accepted"})
    page = s.get(f"/staff/qingming/proxy/{sweep.pk}/").content.decode()
    assert 'value="done"' in page and 'value="rejected"' not in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_moves_of_one_sweep_one_wins(
    run_concurrently, signed_in, resident, staff, cemetery
):
    sweep = _sweep(signed_in, resident, cemetery)
    moves = [("accepted", ""), ("rejected", "墓位不存在")]

    def update(i: int) -> str:
        to, note = moves[i]
        services.proxy_sweep_update(
            actor=staff, sweep=ProxySweep.objects.get(pk=sweep.pk), to=to, note=note
        )
        return "ok"

    outcomes = [
        "refused" if isinstance(r, ValidationError) else r for r in run_concurrently(update, 2)
    ]
    assert sorted(outcomes) == ["ok", "refused"]
    assert ProxySweepTransition.objects.filter(sweep=sweep).exclude(name="request").count() == 1


def test_a_sweep_cannot_be_done_before_the_day_the_family_asked_for(
    signed_in, resident, staff, cemetery
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    sweep = _sweep(signed_in, resident, cemetery)  # wished for in 3 days
    services.proxy_sweep_update(actor=staff, sweep=sweep, to="accepted")
    photo = SimpleUploadedFile("sweep.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    with pytest.raises(ValidationError) as exc:
        services.proxy_sweep_update(actor=staff, sweep=sweep, to="done", paid=True, photo=photo)
    assert exc.value.message_dict == {
        "status": [f"家属希望的祭扫日期是 {sweep.wish_date.isoformat()}，祭扫完成后才能登记完成。"]
    }
    assert ProxySweep.objects.get(pk=sweep.pk).status == "accepted"
    assert ProxySweepTransition.objects.filter(sweep=sweep).count() == 2


def test_the_staff_page_offers_only_the_next_declared_states(signed_in, resident, staff, cemetery):
    sweep = _sweep(signed_in, resident, cemetery)
    page = signed_in(staff).get(f"/staff/qingming/proxy/{sweep.pk}/").content.decode()
    assert 'value="accepted"' in page and 'value="rejected"' in page
    assert 'value="done"' not in page and 'value="submitted"' not in page
