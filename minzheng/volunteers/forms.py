from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.core.district import bureau_name
from minzheng.core.forms_util import StyledFormMixin
from minzheng.core.validators import validate_event_date

from .models import ROLE_CHOICES
from .rules import SKILLS

SKILL_CHOICES = [(s, s) for s in SKILLS]
WEEKDAYS = [
    (0, _("星期一")),
    (1, _("星期二")),
    (2, _("星期三")),
    (3, _("星期四")),
    (4, _("星期五")),
    (5, _("星期六")),
    (6, _("星期日")),
]


class ActivityForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("活动名称"), max_length=120)
    division = forms.ChoiceField(label=_("发布单位（区划）"))
    organiser = forms.CharField(label=_("组织单位"), max_length=80)
    description = forms.CharField(
        label=_("服务内容"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    contact_name = forms.CharField(label=_("联系人"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    auto_approve = forms.BooleanField(label=_("报名自动通过"), required=False, initial=True)

    def __init__(self, *args, divisions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].choices = divisions


class SiteForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("服务点名称"), max_length=80)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    lat = forms.DecimalField(label=_("纬度"), max_digits=8, decimal_places=5, required=False)
    lon = forms.DecimalField(label=_("经度"), max_digits=8, decimal_places=5, required=False)


class PostForm(StyledFormMixin, forms.Form):
    site = forms.ChoiceField(label=_("服务点"))
    role = forms.ChoiceField(label=_("岗位"), choices=ROLE_CHOICES)
    required_skill = forms.ChoiceField(
        label=_("需要技能"), choices=[("", "—"), *SKILL_CHOICES], required=False
    )
    required_certificate = forms.CharField(label=_("需要证书"), max_length=40, required=False)
    party_only = forms.BooleanField(label=_("仅限党员"), required=False)

    def __init__(self, *args, sites=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = sites


class ShiftForm(StyledFormMixin, forms.Form):
    post = forms.ChoiceField(label=_("岗位"))
    starts_at = forms.DateTimeField(
        label=_("开始"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("结束"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    needed = forms.IntegerField(label=_("需要人数"), min_value=0)

    def __init__(self, *args, posts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["post"].choices = posts


class CorrectionForm(StyledFormMixin, forms.Form):
    checked_in_at = forms.DateTimeField(
        label=_("签到时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    checked_out_at = forms.DateTimeField(
        label=_("签退时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    reason = forms.CharField(label=_("更正原因"), max_length=200)


class CertificateForm(StyledFormMixin, forms.Form):
    period_from = forms.DateField(
        label=_("起始日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_event_date],
    )
    period_to = forms.DateField(
        label=_("截止日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_event_date],
    )
    issuer = forms.CharField(label=_("出具单位"), max_length=80, initial=bureau_name)


class RegisterForm(StyledFormMixin, forms.Form):
    skills = forms.MultipleChoiceField(
        label=_("我会的（可多选）"),
        choices=SKILL_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    weekdays = forms.MultipleChoiceField(
        label=_("一般哪几天有空"),
        choices=WEEKDAYS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    start = forms.TimeField(
        label=_("有空开始时间"), initial="08:00", widget=forms.TimeInput(attrs={"type": "time"})
    )
    end = forms.TimeField(
        label=_("有空结束时间"), initial="18:00", widget=forms.TimeInput(attrs={"type": "time"})
    )

    def __init__(self, *args, needs_home: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if needs_home:  # the registry does not know the resident yet: where they live
            from minzheng.core.models import Division

            towns: dict[str, list] = {}
            for d in Division.objects.filter(level="community").select_related("parent"):
                towns.setdefault(d.parent.name, []).append((d.code, d.name))
            self.fields["home_division"] = forms.ChoiceField(
                label=_("常住村居"),
                choices=[("", "——")] + sorted(towns.items()),
                help_text=_("民政部门还没有您的登记信息，将用您绑定的姓名和身份证号码一并登记。"),
            )
            self.fields["home_division"].widget.attrs["class"] = "form-select"


class VolunteerForm(StyledFormMixin, forms.Form):
    id_number = forms.CharField(
        label=_("身份证号码"), max_length=20, help_text=_("须已在民政登记（人员管理）中登记。")
    )
    is_party_member = forms.BooleanField(label=_("党员"), required=False)
    branch = forms.ChoiceField(label=_("党支部"), required=False)
    skills = forms.MultipleChoiceField(
        label=_("技能"), choices=SKILL_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )
    lat = forms.DecimalField(label=_("纬度"), max_digits=8, decimal_places=5, required=False)
    lon = forms.DecimalField(label=_("经度"), max_digits=8, decimal_places=5, required=False)

    def __init__(self, *args, branches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].choices = [("", "—"), *branches]


class ExceptionForm(StyledFormMixin, forms.Form):
    date = forms.DateField(
        label=_("日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_event_date],
    )
    available = forms.BooleanField(label=_("当天可服务（不勾选表示当天不能服务）"), required=False)
    start = forms.TimeField(
        label=_("开始"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    end = forms.TimeField(
        label=_("结束"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
