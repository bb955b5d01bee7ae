from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minzheng.core.district import district_prefix
from minzheng.core.forms_util import StyledFormMixin
from minzheng.core.models import Division
from minzheng.core.params import ParameterMissing, parameter_value

from .rules import ITEMS, MAX_QUANTITY, qty_field


class ServiceForm(StyledFormMixin, forms.Form):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)
    home = forms.ChoiceField(label=_("殡仪馆"))
    deceased_name = forms.CharField(label=_("逝者姓名"), max_length=40)
    deceased_id_number = forms.CharField(
        label=_("逝者身份证号码"),
        max_length=18,
        help_text=_("18 位居民身份证号码；据此查找人口库户籍。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    death_date = forms.DateField(
        label=_("死亡日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    service_date = forms.DateField(
        label=_("服务日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    hukou_division = forms.ChoiceField(
        label=_("户籍所在镇街"),
        required=False,
        help_text=_("人口库无记录时按户口簿选择；人口库有记录时以人口库为准。"),
    )
    family_contact = forms.CharField(label=_("经办家属姓名"), max_length=40, required=False)

    def __init__(self, *args, homes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home"].choices = [(h.pk, h.name) for h in homes]
        towns = Division.objects.filter(level="town", code__startswith=district_prefix()).order_by(
            "code"
        )
        self.fields["hukou_division"].choices = [("", _("（按人口库或本馆所在地）"))] + [
            (d.code, d.name) for d in towns
        ]
        on = timezone.localdate()
        for item in ITEMS:
            help_text = ""
            try:
                price = parameter_value(f"funeral_price_{item.code}", on=on).value
                limit = parameter_value(f"funeral_max_{item.code}", on=on).value
                help_text = _("现行标准 %(p)s 元/%(u)s，最多 %(m)s %(u)s") % {
                    "p": price,
                    "u": item.unit,
                    "m": limit,
                }
            except ParameterMissing:
                pass
            self.fields[qty_field(item.code)] = forms.IntegerField(
                label=f"{item.name}（{item.unit}）",
                min_value=0,
                max_value=MAX_QUANTITY,
                required=False,
                initial=0,
                help_text=help_text,
                widget=forms.NumberInput(
                    attrs={"inputmode": "numeric", "min": 0, "class": "form-control"}
                ),
            )

    def quantities(self) -> dict[str, int]:
        return {i.code: self.cleaned_data.get(qty_field(i.code)) or 0 for i in ITEMS}


class SettleForm(forms.Form):
    confirm = forms.BooleanField(widget=forms.HiddenInput, initial=True)


class ReverseForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("冲销原因"),
        max_length=200,
        help_text=_("例如：漏报服务、金额更正。冲销后可重新结算。"),
    )


class VoidForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("作废原因"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例如：登记错人、重复登记、项目填错。作废后不计入结算和统计，可重新登记。"),
        error_messages={"required": _("请填写作废原因。")},
    )
