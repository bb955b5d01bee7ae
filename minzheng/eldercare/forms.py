"""Forms of the elderly-care pages: they parse input; the services hold the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.core.forms_util import StyledFormMixin

from .models import AbilityLevel, Absence, HouseService, Residency

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
