"""How every staff form is drawn (core/_form.html, core/_field.html)."""

from django import forms
from django.template.loader import render_to_string

from minzheng.core.forms_util import StyledFormMixin


class _Form(StyledFormMixin, forms.Form):
    name = forms.CharField(label="姓名")
    idempotency_key = forms.CharField(widget=forms.HiddenInput)


def test_a_hidden_field_has_no_label_and_its_error_speaks_chinese():
    form = _Form(data={"name": "陈大文"})
    assert not form.is_valid()
    html = render_to_string("core/_form.html", {"form": form})
    assert "Idempotency" not in html and "idempotency_key</label>" not in html
    assert '<input type="hidden" name="idempotency_key"' in html
    assert "页面已过期或提交不完整，请刷新页面后重新填写提交。" in html
    assert 'for="id_name">姓名' in html
    direct = render_to_string("core/_field.html", {"field": form["idempotency_key"]})
    assert direct.strip().startswith('<input type="hidden"')
