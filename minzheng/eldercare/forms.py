"""Forms of the elderly-care pages: they parse input; the services hold the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.core.forms_util import StyledFormMixin

from .models import AbilityLevel, Absence, HouseService, Institution, Residency

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AdmissionForm(StyledFormMixin, forms.Form):
    id_number = forms.CharField(
        label=_("老人身份证号码"), max_length=18, help_text=_("须为已在人员库登记的老人。")
    )
    admitted_on = forms.DateField(label=_("入住日期"), widget=DATE)
    bed_type = forms.ChoiceField(label=_("床位类型"), choices=Residency.BedType.choices)
    level = forms.TypedChoiceField(
        label=_("能力评估等级"), choices=AbilityLevel.choices, coerce=int
    )
    assessed_on = forms.DateField(label=_("评估日期"), widget=DATE)
    assessment_body = forms.CharField(label=_("评估机构"), max_length=100, required=False)


class DischargeForm(StyledFormMixin, forms.Form):
    discharged_on = forms.DateField(label=_("退住日期"), widget=DATE)
    reason = forms.ChoiceField(label=_("退住原因"), choices=Residency.DischargeReason.choices)


class AbsenceForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("离院类型"), choices=Absence.Kind.choices)
    start = forms.DateField(label=_("离院日期"), widget=DATE)
    end = forms.DateField(
        label=_("返院日期"), widget=DATE, required=False, help_text=_("尚未返院可留空。")
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class ClaimRunForm(StyledFormMixin, forms.Form):
    month = forms.CharField(
        label=_("申报月份"), max_length=7, widget=forms.TextInput(attrs={"type": "month"})
    )


class InspectionForm(StyledFormMixin, forms.Form):
    place = forms.TypedChoiceField(label=_("被检查机构"), coerce=int)
    place_kind = forms.ChoiceField(
        label=_("机构类别"),
        required=False,
        help_text=_("养老机构、幸福院自动识别；其他机构请选择。"),
    )
    inspection_type = forms.ChoiceField(label=_("检查类型"))
    inspected_on = forms.DateField(label=_("检查日期"), widget=DATE)
    inspectors = forms.CharField(label=_("检查人员"), max_length=200)
    summary = forms.CharField(
        label=_("检查情况"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, places=(), types=(), kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = [("", _("请选择"))] + list(places)
        self.fields["inspection_type"].choices = [("", _("请选择"))] + list(types)
        self.fields["place_kind"].choices = [("", _("自动识别"))] + list(kinds)


class FindingForm(StyledFormMixin, forms.Form):
    item = forms.TypedChoiceField(label=_("检查项目"), coerce=int, required=False, empty_value=None)
    description = forms.CharField(
        label=_("存在问题"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    deadline = forms.DateField(label=_("整改期限"), widget=DATE, required=False)
    photo = forms.FileField(label=_("照片"), required=False)

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", _("请选择"))] + list(items)


class FollowUpForm(StyledFormMixin, forms.Form):
    visited_on = forms.DateField(label=_("复查日期"), widget=DATE)
    note = forms.CharField(label=_("复查情况"), widget=forms.Textarea(attrs={"rows": 2}))
    rectified = forms.BooleanField(label=_("已整改到位（销号）"), required=False)
    photo = forms.FileField(label=_("照片"), required=False)


class TownFilterForm(StyledFormMixin, forms.Form):
    town = forms.ChoiceField(label=_("镇街"), required=False)

    def __init__(self, *args, towns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].choices = [("", _("全部镇街"))] + list(towns)


class RequestForm(StyledFormMixin, forms.Form):
    elder_name = forms.CharField(label=_("老人姓名"), max_length=40)
    contact_name = forms.CharField(label=_("联系人姓名"), max_length=40)
    phone = forms.CharField(label=_("联系电话"), max_length=20)
    service = forms.ChoiceField(label=_("所需服务"), required=False, choices=HouseService.choices)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


class InstitutionForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("机构名称"), max_length=100)
    division = forms.ChoiceField(label=_("所在区划"))
    ownership = forms.ChoiceField(label=_("性质"), choices=Institution.Ownership.choices)
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    filing_number = forms.CharField(label=_("备案编号"), max_length=40, required=False)
    filed_on = forms.DateField(label=_("备案日期"), widget=DATE, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    beds_total = forms.IntegerField(label=_("床位总数"), min_value=1, max_value=10000)
    beds_nursing = forms.IntegerField(label=_("护理型床位"), min_value=0, max_value=10000)
    star_grade = forms.TypedChoiceField(
        label=_("等级"),
        choices=[("", _("未评定"))] + [(g, g) for g in range(1, 6)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    grade_assessed_on = forms.DateField(label=_("等级评定日期"), widget=DATE, required=False)
    grade_body = forms.CharField(label=_("评定机构"), max_length=100, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    services = forms.CharField(label=_("服务内容"), max_length=200, required=False)
    bank_name = forms.CharField(label=_("开户银行"), max_length=60, required=False)
    bank_account = forms.CharField(label=_("银行账号"), max_length=40, required=False)

    def __init__(self, *args, divisions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].choices = [("", _("请选择"))] + list(divisions)


class HouseReportForm(StyledFormMixin, forms.Form):
    month = forms.CharField(
        label=_("月份"), max_length=7, widget=forms.TextInput(attrs={"type": "month"})
    )
    visits = forms.IntegerField(label=_("服务人次"), min_value=0, max_value=1_000_000)
    meals = forms.IntegerField(label=_("助餐人次"), min_value=0, max_value=1_000_000)
    activities = forms.IntegerField(label=_("活动场次"), min_value=0, max_value=1_000_000)
    note = forms.CharField(
        label=_("情况说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    photo = forms.FileField(label=_("活动照片"), required=False)


class HouseRatingForm(StyledFormMixin, forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    score = forms.DecimalField(label=_("得分"), min_value=0, max_value=100, decimal_places=1)
