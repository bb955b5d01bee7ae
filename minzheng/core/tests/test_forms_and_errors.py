"""Form rendering and error pages that every module shares."""

import datetime as dt

import pytest
from django import forms
from django.template.loader import render_to_string
from django.test import override_settings
from django.utils import timezone

from minzheng.core.forms_util import StyledFormMixin


class _Dates(StyledFormMixin, forms.Form):
    day = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    at = forms.DateTimeField(
        label="时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


def test_prefilled_dates_render_in_the_format_browsers_read():
    form = _Dates(
        initial={
            "day": dt.date(2026, 12, 2),
            "at": timezone.make_aware(dt.datetime(2026, 12, 2, 8, 30)),
        }
    )
    html = str(form["day"]) + str(form["at"])
    assert 'value="2026-12-02"' in html and 'value="2026-12-02T08:30"' in html
    assert "2026/12/02" not in html


def test_field_errors_keep_list_semantics_inside_the_alert():
    form = _Dates(data={})
    assert not form.is_valid()
    html = render_to_string("core/_field.html", {"field": form["day"]})
    assert 'role="alert"><ul class="errorlist">' in html and '<ul class="errorlist" id' not in html
    assert "请填写日期。" in html


@pytest.mark.django_db
def test_an_unknown_page_is_a_chinese_404_without_the_url_list(client):
    response = client.get("/staff/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in page and "12345" in page
    assert "urlpatterns" not in page.lower() and "staff/persons" not in page


@pytest.mark.django_db
def test_a_refused_page_is_a_chinese_403(client, leader):
    client.force_login(leader)
    response = client.get("/staff/persons/new/")
    assert response.status_code == 403
    assert "没有权限" in response.content.decode()


@override_settings(DEBUG=False)
def test_the_500_page_renders_without_a_request():
    from minzheng.core.errors import server_error

    response = server_error(None)
    assert response.status_code == 500 and "系统暂时出错" in response.content.decode()
