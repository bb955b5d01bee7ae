"""The monthly test on a phone (每月一测): a party member opens the test from the portal,
answers each question type (each answer saved as it is given), loses the connection (the
answer is saved when it comes back), reopens the page (the sitting resumes with the clock
still running), hands in and reads the result with the explanation of the wrong answer."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def member(make_staff):
    from minzheng.core import roles
    from minzheng.core.services import parameters_ensure_defaults
    from minzheng.learning import services as ls
    from minzheng.learning.rules import PARAMETER_DEFAULTS
    from minzheng.learning.tests import factories as f

    parameters_ensure_defaults(
        PARAMETER_DEFAULTS
    )  # a transactional test flushes the migration's rows
    officer = make_staff("district_officer", roles.DISTRICT_OFFICER)
    bureau = f.branch()
    user = f.member(officer, bureau, name="陈红")
    ls.question_import(actor=officer, content=f.bank_xlsx(), filename="bank.xlsx")
    test = f.fixed_test(officer, [bureau])
    return user, test


def _box(page, seq):
    from minzheng.learning.models import Question

    return page.locator(f"fieldset[data-question='{Question.objects.get(seq=seq).pk}']")


def test_member_takes_the_monthly_test_on_a_phone(phone_page, force_login, member):
    from minzheng.learning.models import Sitting

    user, test = member
    page = phone_page
    force_login(page, user)
    page.goto("/portal/learning/")
    expect(page.get_by_role("heading", level=1)).to_have_text("党史学习")
    page.get_by_role("link", name="每月一测").tap()
    page.get_by_role("link", name="进入").tap()
    expect(page.get_by_text("已答 0 / 4")).to_be_visible()

    page.get_by_label("B. 1921年").tap()
    expect(_box(page, 1).get_by_text("已保存")).to_be_visible()
    page.get_by_label("A. 南昌起义").tap()
    expect(_box(page, 2).get_by_text("已保存")).to_be_visible()
    page.get_by_label("B. 遵义会议").tap()  # 少选: D is missing, so this scores 0
    expect(page.get_by_text("已答 2 / 4")).to_be_visible()

    # The connection drops while answering: the answer is kept and saved when it returns.
    page.context.set_offline(True)
    page.get_by_label("T. 正确").tap()
    expect(_box(page, 3).get_by_text("网络中断，恢复后自动保存")).to_be_visible()
    page.context.set_offline(False)
    expect(_box(page, 3).get_by_text("已保存")).to_be_visible()

    # The page is closed and opened again: the same sitting, its answers, its clock.
    page.reload()
    expect(page.get_by_text("已恢复上次的答卷，计时未中断。")).to_be_visible()
    expect(page.get_by_label("B. 1921年")).to_be_checked()
    expect(page.get_by_label("B. 遵义会议")).to_be_checked()
    expect(page.get_by_label("D. 长征")).not_to_be_checked()
    clock = page.locator("#clock").inner_text()
    assert clock.startswith("19:") or clock.startswith("20:"), clock

    answer = _box(page, 4).get_by_label("答案")
    answer.fill("北京")
    answer.blur()
    expect(_box(page, 4).get_by_text("已保存")).to_be_visible()
    expect(page.get_by_text("已答 4 / 4")).to_be_visible()
    page.get_by_role("button", name="交卷").tap()

    expect(page.locator("#score")).to_have_text("得分 15 / 20")
    expect(page.get_by_text("改革开放始于1978年。")).to_be_visible()  # the wrong one's explanation
    sitting = Sitting.objects.get()
    assert (sitting.state, sitting.score, Sitting.objects.count()) == ("submitted", 15, 1)

    # Back to the test: the result, never a second sitting.
    page.goto(f"/portal/learning/tests/{test.pk}/")
    expect(page.locator("#score")).to_have_text("得分 15 / 20")
