"""Forms of the charity pages: they parse input; the services hold the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.core.forms_util import StyledFormMixin

from .models import Campaign, DonorKind, Method, Purpose

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def designation_choices(campaigns, funds) -> list[tuple[str, str]]:
    return [
        ("", _("非限定性（不指定用途）")),
        *[(f"c{c.pk}", f"{_('募捐活动')}：{c.title}") for c in campaigns],
        *[(f"f{f.pk}", f"{_('冠名基金')}：{f.name}") for f in funds],
    ]


def split_designation(value: str) -> tuple[int | None, int | None]:
    if value.startswith("c") and value[1:].isdigit():
        return int(value[1:]), None
    if value.startswith("f") and value[1:].isdigit():
        return None, int(value[1:])
    return None, None


class CampaignForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=Campaign.Kind.choices)
    title = forms.CharField(label=_("名称"), max_length=120)
    purpose = forms.CharField(label=_("募捐目的与用途"), widget=forms.Textarea(attrs={"rows": 3}))
    channels = forms.CharField(label=_("募捐渠道"), max_length=200, required=False)
    starts_on = forms.DateField(label=_("开始日期"), widget=DATE)
    ends_on = forms.DateField(label=_("结束日期"), widget=DATE)
    target = forms.CharField(label=_("目标金额（元）"), max_length=20, required=False)
    filing_number = forms.CharField(label=_("备案编号"), max_length=40, required=False)


class FundForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("基金名称"), max_length=100)
    founder_name = forms.CharField(label=_("冠名人/设立人"), max_length=100)
    agreement_signed_on = forms.DateField(label=_("协议签订日期"), widget=DATE)
    agreement_ends_on = forms.DateField(label=_("协议到期日期"), widget=DATE, required=False)
    minimum_principal = forms.CharField(label=_("最低本金（元）"), max_length=20, required=False)
    purposes = forms.CharField(label=_("资金用途"), widget=forms.Textarea(attrs={"rows": 3}))


class DonationForm(StyledFormMixin, forms.Form):
    designation = forms.ChoiceField(label=_("捐赠用途"), required=False)
    amount = forms.CharField(label=_("金额/估值（元）"), max_length=20)
    method = forms.ChoiceField(label=_("方式"), choices=Method.choices)
    donor_kind = forms.ChoiceField(label=_("捐赠人类型"), choices=DonorKind.choices)
    donor_name = forms.CharField(label=_("捐赠人"), max_length=100)
    anonymous = forms.BooleanField(label=_("捐赠人要求匿名（公开时不显示姓名）"), required=False)
    donor_id_number = forms.CharField(label=_("证件号码"), max_length=24, required=False)
    donor_credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=24, required=False)
    received_on = forms.DateField(label=_("收到日期"), widget=DATE)
    item = forms.CharField(label=_("物品（实物捐赠）"), max_length=100, required=False)
    quantity = forms.CharField(label=_("数量"), max_length=20, required=False)
    unit = forms.CharField(label=_("单位"), max_length=10, required=False)
    valuation_basis = forms.CharField(label=_("估值依据"), max_length=200, required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["designation"].choices = choices


class ImportForm(StyledFormMixin, forms.Form):
    designation = forms.ChoiceField(label=_("未填“指定项目”的行记入"), required=False)
    file = forms.FileField(label=_("银行流水文件（.xlsx 或 .csv）"))

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["designation"].choices = choices


class SpendingForm(StyledFormMixin, forms.Form):
    designation = forms.ChoiceField(label=_("支出资金"), required=False)
    purpose = forms.ChoiceField(label=_("用途"), choices=Purpose.choices)
    description = forms.CharField(label=_("说明"), max_length=200)
    amount = forms.CharField(label=_("金额（元）"), max_length=20)
    payee_name = forms.CharField(label=_("收款方"), max_length=100)
    spent_on = forms.DateField(label=_("支出日期"), widget=DATE)
    beneficiary_count = forms.IntegerField(
        label=_("受益人数"), min_value=0, max_value=10_000_000, initial=0
    )
    beneficiary_note = forms.CharField(label=_("受益对象说明"), max_length=200, required=False)
    document = forms.FileField(label=_("支出凭证（PDF 或图片）"), required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["designation"].choices = choices


class ReasonForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200)
    donor_name = forms.CharField(
        label=_("更正后的捐赠人名称（不改可留空）"), max_length=100, required=False
    )


class DisclosureForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("公开类型"), choices=[("periodic", _("定期公开")), ("final", _("结项公开"))]
    )
    note = forms.CharField(
        label=_("说明（结项公开须写明剩余财产的处理）"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
