from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.core.forms_util import StyledFormMixin


class FundBudgetForm(StyledFormMixin, forms.Form):
    account = forms.ChoiceField(label=_("预算或备用金科目"))
    amount = forms.DecimalField(
        label=_("金额（元）"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    memo = forms.CharField(
        label=_("摘要"), max_length=120, help_text=_("例如：下达 2026 年临时救助预算（文件号）")
    )

    def __init__(self, *args, accounts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [("", _("请选择"))] + [
            (a.code, f"{a.name}（{a.code}）") for a in accounts
        ]


class ReverseForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=_("冲销原因"), max_length=200)
