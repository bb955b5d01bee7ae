"""Forms of the rescue pages: they parse input; the services hold the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.core.forms_util import StyledFormMixin
from minzheng.core.validators import validate_event_date

from . import matching_tables, rules
from .models import BroughtBy, CaseState, HandoverTo, Sex

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SEX_CHOICES = [("", _("请选择")), *Sex.choices]
DIALECT_CHOICES = [("", _("未知")), *[(d, d) for d in matching_tables.DIALECTS]]


class IntakeForm(StyledFormMixin, forms.Form):
    found_date = forms.DateField(label=_("发现日期"), widget=DATE)
    found_place = forms.CharField(label=_("发现地点"), max_length=200)
    found_division = forms.ChoiceField(label=_("发现地区划"), required=False)
    brought_by = forms.ChoiceField(label=_("送站方式"), choices=BroughtBy.choices)
    told_name = forms.CharField(
        label=_("自述姓名"),
        max_length=40,
        required=False,
        help_text=_("按听到的写，听不清可留空。"),
    )
    told_place = forms.CharField(label=_("自述住址/籍贯"), max_length=200, required=False)
    sex = forms.ChoiceField(label=_("性别"), choices=SEX_CHOICES)
    age_min = forms.IntegerField(
        label=_("估计年龄（下限）"), min_value=0, max_value=rules.AGE_LIMIT
    )
    age_max = forms.IntegerField(
        label=_("估计年龄（上限）"), min_value=0, max_value=rules.AGE_LIMIT
    )
    dialect = forms.ChoiceField(label=_("口音/语言"), choices=DIALECT_CHOICES, required=False)
    height_cm = forms.IntegerField(label=_("身高（厘米）"), required=False)
    build = forms.CharField(label=_("体型"), max_length=40, required=False)
    marks = forms.CharField(
        label=_("体貌特征"), max_length=200, required=False, help_text=_("痣、疤、胎记等")
    )
    clothing = forms.CharField(label=_("衣着"), max_length=200, required=False)
    health_state = forms.CharField(
        label=_("健康状况"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("仅站内可见，不公开。"),
    )
    mental_state = forms.CharField(
        label=_("精神状况"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("仅站内可见，不公开。"),
    )
    belongings = forms.CharField(
        label=_("随身物品"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    fingerprint_done = forms.BooleanField(label=_("已采集指纹"), required=False)
    fingerprint_ref = forms.CharField(
        label=_("指纹比对编号（公安）"), max_length=60, required=False
    )
    dna_done = forms.BooleanField(label=_("已采集DNA"), required=False)
    dna_ref = forms.CharField(label=_("DNA比对编号（公安）"), max_length=60, required=False)
    photo = forms.FileField(
        label=_("照片"), required=False, help_text=_("JPG 或 PNG，不超过 5 MB。")
    )
    audio = forms.FileField(
        label=_("录音"), required=False, help_text=_("MP3、WAV 或 M4A，不超过 20 MB。")
    )

    def __init__(self, *args, divisions=(), with_files=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["found_division"].choices = [("", _("不确定")), *divisions]
        if not with_files:
            del self.fields["photo"], self.fields["audio"]


class TransitionForm(StyledFormMixin, forms.Form):
    to_state = forms.ChoiceField(
        label=_("变更为"), choices=[(s, CaseState(s).label) for s in rules.MANUAL_TARGETS]
    )
    reason = forms.CharField(label=_("原因"), max_length=200)


class DailyRecordForm(StyledFormMixin, forms.Form):
    day = forms.DateField(label=_("日期"), widget=DATE)
    note = forms.CharField(label=_("记录"), widget=forms.Textarea(attrs={"rows": 2}))


class AttachForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=[("photo", _("照片")), ("audio", _("录音"))])
    file = forms.FileField(label=_("文件"))


class DecisionForm(StyledFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("核实结果"),
        choices=[("confirmed", _("确认是同一人")), ("rejected", _("排除"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("核实说明"), max_length=300, help_text=_("如：经家属视频辨认；年龄、口音不符。")
    )


class ReportForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("走失者姓名"), max_length=40)
    sex = forms.ChoiceField(label=_("性别"), choices=SEX_CHOICES)
    birth_date = forms.DateField(label=_("出生日期"), required=False, widget=DATE)
    birth_year = forms.IntegerField(
        label=_("出生年份"), required=False, help_text=_("不知道出生日期时填写。")
    )
    missing_date = forms.DateField(label=_("走失日期"), widget=DATE)
    missing_place = forms.CharField(label=_("走失地点"), max_length=200)
    description = forms.CharField(
        label=_("体貌特征、衣着"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    contact_name = forms.CharField(label=_("联系人"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    photo = forms.FileField(
        label=_("照片"), required=False, help_text=_("JPG 或 PNG，不超过 5 MB。")
    )
    consent = forms.BooleanField(
        label=_("同意将登记信息用于与救助站受助人员比对"), required=False, initial=True
    )


class NoticeForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("标题"), max_length=100)
    appearance = forms.CharField(
        label=_("体貌特征"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("只写有助于辨认的身高、体型、衣着、特征；不写健康与精神状况、证件号码。"),
    )


class ReturnForm(StyledFormMixin, forms.Form):
    destination = forms.CharField(label=_("送返目的地"), max_length=200)
    escort = forms.CharField(label=_("护送人员"), max_length=100)
    transport = forms.CharField(label=_("交通方式"), max_length=60)
    handover_to = forms.ChoiceField(label=_("交接对象"), choices=HandoverTo.choices)
    handover_name = forms.CharField(label=_("接收人/单位"), max_length=100)
    return_date = forms.DateField(label=_("送返日期"), widget=DATE)
    cost_transport = forms.DecimalField(
        label=_("交通费（元）"), decimal_places=2, required=False, initial="0.00"
    )
    cost_meals = forms.DecimalField(
        label=_("餐食费（元）"), decimal_places=2, required=False, initial="0.00"
    )
    cost_other = forms.DecimalField(
        label=_("其他费用（元）"), decimal_places=2, required=False, initial="0.00"
    )
    note = forms.CharField(
        label=_("备注"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class NoticeSearchForm(StyledFormMixin, forms.Form):
    sex = forms.ChoiceField(
        label=_("性别"), choices=[("", _("不限")), *Sex.choices], required=False
    )
    age = forms.IntegerField(
        label=_("年龄"), required=False, min_value=0, max_value=rules.AGE_LIMIT
    )
    place = forms.CharField(label=_("发现地点"), max_length=50, required=False)
    since = forms.DateField(
        label=_("发现日期从"), required=False, widget=DATE, validators=[validate_event_date]
    )
    until = forms.DateField(
        label=_("至"), required=False, widget=DATE, validators=[validate_event_date]
    )
    dialect = forms.ChoiceField(
        label=_("口音/语言"),
        choices=[("", _("不限")), *[(d, d) for d in matching_tables.DIALECTS]],
        required=False,
    )
