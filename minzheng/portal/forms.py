"""Forms of the resident portal. They only collect input; the services hold the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.core.forms_util import StyledFormMixin


class PhoneForm(StyledFormMixin, forms.Form):
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        error_messages={"required": _("请填写手机号码")},
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "tel", "maxlength": "20"}
        ),
    )


class CodeForm(StyledFormMixin, forms.Form):
    code = forms.CharField(
        label=_("短信验证码"),
        max_length=10,
        help_text=_("6 位数字，5 分钟内有效"),
        error_messages={"required": _("请输入短信中的 6 位数字验证码")},
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9]*",
                "maxlength": "6",
            }
        ),
    )

    def __init__(self, *args, ttl_minutes: int = 5, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = _("6 位数字，%(minutes)d 分钟内有效") % {
            "minutes": ttl_minutes
        }


class BindForm(StyledFormMixin, forms.Form):
    real_name = forms.CharField(
        label=_("姓名"),
        max_length=40,
        error_messages={"required": _("请填写姓名")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    id_number = forms.CharField(
        label=_("身份证号码"),
        max_length=25,
        help_text=_("18 位，最后一位可以是 X。绑定后不能自行修改。"),
        error_messages={"required": _("请填写身份证号码")},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )
