"""core.sms.sms_queue / sms_deliver: queued in the caller's transaction, sent after the
commit by a task that carries only the row's id, at most once."""

import pytest
from django.db import transaction

from minzheng.core.models import OutboundSMS
from minzheng.core.sms import MemoryBackend, sms_deliver, sms_queue

PHONE = "13812345678"


@pytest.mark.django_db
def test_a_queued_message_leaves_only_after_the_commit_and_then_once(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row = sms_queue(phone=PHONE, text="你好", source="test")

    # Before the commit: a pending row, nothing sent.
    assert MemoryBackend.outbox == []
    assert (row.status, row.phone, row.text) == ("pending", PHONE, "你好")
    assert len(callbacks) == 1

    callbacks[0]()
    sms_deliver(message_id=row.pk)  # the task run a second time

    assert MemoryBackend.outbox == [(PHONE, "你好")]
    row.refresh_from_db()
    assert (row.status, row.phone, row.text, row.error) == ("sent", "", "", "")
    assert row.handled_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_sends_nothing():
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        sms_queue(phone=PHONE, text="你好")
        raise Boom

    assert MemoryBackend.outbox == []
    assert OutboundSMS.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_message_goes_at_once():
    sms_queue(phone=PHONE, text="你好")

    assert MemoryBackend.outbox == [(PHONE, "你好")]


@pytest.mark.django_db
def test_the_same_key_is_queued_once_and_an_empty_phone_not_at_all(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        first = sms_queue(phone=PHONE, text="一", key="k:1")
        again = sms_queue(phone=PHONE, text="一", key="k:1")
        other = sms_queue(phone=PHONE, text="二", key="k:2")
        none = sms_queue(phone="", text="三")

    assert first is not None and other is not None and again is None and none is None
    assert MemoryBackend.outbox == [(PHONE, "一"), (PHONE, "二")]
    assert OutboundSMS.objects.count() == 2


@pytest.mark.django_db
def test_a_gateway_failure_is_recorded_and_not_retried(
    django_capture_on_commit_callbacks, monkeypatch
):
    def refuse(self, phone, text):
        raise OSError("gateway down")

    monkeypatch.setattr(MemoryBackend, "send", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        row = sms_queue(phone=PHONE, text="你好")
    monkeypatch.undo()
    sms_deliver(message_id=row.pk)

    row.refresh_from_db()
    assert (row.status, row.error, row.phone, row.text) == ("failed", "gateway down", "", "")
    assert MemoryBackend.outbox == []
