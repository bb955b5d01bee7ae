"""Concurrent guesses of one SMS code, from real threads with their own connections."""

from collections import Counter

import pytest
from django.core.exceptions import ValidationError

from minzheng.core.models import OperationLog
from minzheng.portal import services
from minzheng.portal.models import ResidentProfile, SmsCode

PHONE = "13812345678"


def _outcome(result) -> str:
    if isinstance(result, ValidationError):
        return result.message_dict["code"][0]
    return f"unexpected: {result!r}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_thirty_concurrent_wrong_codes_compare_only_five_and_the_right_one_is_then_refused(
    run_concurrently, last_code
):
    services.sms_code_request(phone=PHONE, ip="203.0.113.5")  # sent on its commit
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"

    results = run_concurrently(
        lambda _i: services.sms_code_verify_and_login(phone=PHONE, code=wrong), 30
    )

    outcomes = Counter(_outcome(r) for r in results)
    compared = {m: n for m, n in outcomes.items() if m.startswith("验证码错误")}
    assert compared == {
        "验证码错误，还可以再试 4 次": 1,
        "验证码错误，还可以再试 3 次": 1,
        "验证码错误，还可以再试 2 次": 1,
        "验证码错误，还可以再试 1 次": 1,
        "验证码错误，尝试次数过多，请重新获取验证码": 1,
    }
    assert outcomes["尝试次数过多，请重新获取验证码"] == 25
    assert SmsCode.objects.get().attempts == 5
    assert OperationLog.objects.filter(action="login_failed", summary="短信验证码错误").count() == 5

    with pytest.raises(ValidationError) as excinfo:
        services.sms_code_verify_and_login(phone=PHONE, code=code)

    assert excinfo.value.message_dict == {"code": ["尝试次数过多，请重新获取验证码"]}
    assert SmsCode.objects.get().used_at is None
    assert ResidentProfile.objects.count() == 0
