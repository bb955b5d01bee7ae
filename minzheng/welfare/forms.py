"""Forms: parse what people type; the rules live in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.core.forms_util import StyledFormMixin
from minzheng.core.validators import validate_name
from minzheng.registry.models import PersonTag

from .models import CareActivity, ChildCategory, EmploymentService, Placement

DATE = forms.DateInput(attrs={"type": "date"})
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"})
DT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class ChildForm(StyledFormMixin, forms.Form):
    id_number = forms.CharField(label=_("儿童身份证号码"), max_length=20)
    category = forms.ChoiceField(label=_("类别"), choices=ChildCategory.choices)
    placement = forms.ChoiceField(label=_("养育方式"), choices=Placement.choices)
    home = forms.TypedChoiceField(label=_("福利院"), required=False, coerce=int, empty_value=None)
    division = forms.ChoiceField(label=_("所在区划"))
    admitted_on = forms.DateField(label=_("纳入保障日期"), widget=DATE)
    note = forms.CharField(
        label=_("情况说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, homes=(), divisions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home"].choices = [("", "—")] + list(homes)
        self.fields["division"].choices = list(divisions)


class GuardianForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("监护人姓名"), max_length=40, validators=[validate_name])
    relation = forms.CharField(label=_("与儿童关系"), max_length=20)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    bank_name = forms.CharField(label=_("开户银行"), max_length=60, required=False)
    bank_account = forms.CharField(label=_("银行账号"), max_length=30, required=False)
    is_payee = forms.BooleanField(label=_("代领生活费"), required=False)


class CarePlanForm(StyledFormMixin, forms.Form):
    valid_from = forms.DateField(label=_("起始日期"), widget=DATE)
    goals = forms.CharField(label=_("照料目标"), widget=forms.Textarea(attrs={"rows": 2}))
    measures = forms.CharField(label=_("措施"), widget=forms.Textarea(attrs={"rows": 2}))
    review_on = forms.DateField(label=_("复评日期"), widget=DATE)


class VisitForm(StyledFormMixin, forms.Form):
    visited_on = forms.DateField(label=_("探访日期"), widget=DATE)
    findings = forms.CharField(label=_("探访情况"), widget=forms.Textarea(attrs={"rows": 2}))
    next_visit_on = forms.DateField(label=_("下次探访"), widget=DATE, required=False)


class AllowanceForm(StyledFormMixin, forms.Form):
    month = forms.DateField(
        label=_("发放月份"),
        widget=forms.DateInput(attrs={"type": "month"}),
        input_formats=["%Y-%m"],
    )


class ActivityForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=CareActivity.Kind.choices)
    title = forms.CharField(label=_("活动名称"), max_length=120)
    organiser = forms.CharField(label=_("组织单位"), max_length=80)
    place = forms.CharField(label=_("地点"), max_length=120)
    division = forms.ChoiceField(label=_("所在区划"))
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=DATETIME, input_formats=DT_FORMATS)
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=DATETIME, input_formats=DT_FORMATS)
    volunteers = forms.TypedMultipleChoiceField(label=_("参加的志愿者"), required=False, coerce=int)
    beneficiary_count = forms.IntegerField(
        label=_("服务对象人数（未登记姓名）"), min_value=0, max_value=100000, initial=0
    )
    report = forms.CharField(
        label=_("活动简报"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    photo = forms.FileField(label=_("活动照片（JPG/PNG）"), required=False)

    def __init__(self, *args, divisions=(), volunteers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].choices = list(divisions)
        self.fields["volunteers"].choices = list(volunteers)


class SessionForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("服务名称"), max_length=120)
    organiser = forms.CharField(label=_("组织单位"), max_length=80)
    place = forms.CharField(label=_("地点"), max_length=120)
    division = forms.ChoiceField(label=_("所在区划"))
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=DATETIME, input_formats=DT_FORMATS)
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=DATETIME, input_formats=DT_FORMATS)
    capacity = forms.IntegerField(label=_("可照料儿童人数"), min_value=1, max_value=1000)
    portal_open = forms.BooleanField(label=_("群众可在线报名"), required=False, initial=True)

    def __init__(self, *args, divisions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].choices = list(divisions)


class EnrolForm(StyledFormMixin, forms.Form):
    household_number = forms.CharField(label=_("户编号"), max_length=40)
    child_id_number = forms.CharField(label=_("儿童身份证号码"), max_length=20)


class PortalEnrolForm(StyledFormMixin, forms.Form):
    child = forms.TypedChoiceField(label=_("需要照料的孩子"), coerce=int)

    def __init__(self, *args, children=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].choices = list(children)


class StallEntryForm(StyledFormMixin, forms.Form):
    """The phone form at a stall: the stall, what was done, and who (optional)."""

    stall = forms.TypedChoiceField(label=_("服务摊位"), coerce=int)
    kind = forms.ChoiceField(
        label=_("服务类型"), choices=EmploymentService.Kind.choices, widget=forms.RadioSelect
    )
    id_number = forms.CharField(
        label=_("身份证号码（可不填）"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "text", "autocomplete": "off"}),
    )
    name = forms.CharField(label=_("姓名（可不填）"), max_length=40, required=False)
    phone = forms.CharField(
        label=_("手机号码（可不填）"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, stalls=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stall"].choices = list(stalls)


class StallForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("摊位名称"), max_length=120)
    place = forms.CharField(label=_("地点"), max_length=120)
    division = forms.ChoiceField(label=_("所在区划"))
    held_on = forms.DateField(label=_("日期"), widget=DATE)

    def __init__(self, *args, divisions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].choices = list(divisions)


class FollowUpForm(StyledFormMixin, forms.Form):
    placement = forms.IntegerField(widget=forms.HiddenInput)
    months = forms.TypedChoiceField(
        label=_("回访节点"), choices=[(3, _("3个月")), (6, _("6个月"))], coerce=int
    )
    done_on = forms.DateField(label=_("回访日期"), widget=DATE)
    still_employed = forms.BooleanField(label=_("仍在岗"), required=False)
    note = forms.CharField(label=_("回访情况"), max_length=200, required=False)


class EmployerForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("用人单位"), max_length=100)
    division = forms.ChoiceField(label=_("所在区划"))
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=40, required=False)
    staff_count = forms.IntegerField(
        label=_("在职职工人数"), min_value=0, max_value=1000000, required=False
    )

    def __init__(self, *args, divisions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].choices = list(divisions)


class VacancyForm(StyledFormMixin, forms.Form):
    employer = forms.TypedChoiceField(label=_("用人单位"), coerce=int)
    title = forms.CharField(label=_("岗位名称"), max_length=80)
    positions = forms.IntegerField(label=_("招聘人数"), min_value=1, max_value=10000, initial=1)
    skills = forms.CharField(label=_("所需技能（逗号分隔）"), max_length=200, required=False)
    suitable_categories = forms.MultipleChoiceField(
        label=_("适合的残疾类别"),
        required=False,
        choices=PersonTag.DisabilityCategory.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    accommodation = forms.CharField(label=_("提供的合理便利"), max_length=200, required=False)

    def __init__(self, *args, employers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employer"].choices = list(employers)


class AttendanceForm(StyledFormMixin, forms.Form):
    jobseeker = forms.TypedChoiceField(label=_("学员"), coerce=int)
    day = forms.DateField(label=_("日期"), widget=DATE)
    present = forms.BooleanField(label=_("出勤"), required=False)

    def __init__(self, *args, jobseekers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jobseeker"].choices = list(jobseekers)
