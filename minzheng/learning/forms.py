from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.core.forms_util import StyledFormMixin

from . import rules
from .models import Event, MonthlyTest


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, **kw):
        super().__init__(widget=MultipleFileInput, **kw)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class BranchesField(forms.TypedMultipleChoiceField):
    def __init__(self, **kw):
        super().__init__(coerce=int, widget=forms.CheckboxSelectMultiple, **kw)


def _with_branches(form, branches):
    form.fields["branches"].choices = [(b.pk, b.name) for b in branches]


class IssueForm(StyledFormMixin, forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    number = forms.IntegerField(label=_("期号"), min_value=1, max_value=999)
    title = forms.CharField(label=_("标题"), max_length=120)
    body = forms.CharField(label=_("正文"), widget=forms.Textarea(attrs={"rows": 8}))
    reading_minutes = forms.IntegerField(
        label=_("预计阅读时间（分钟）"), min_value=1, max_value=600
    )
    branches = BranchesField(label=_("发布到支部"))
    files = MultipleFileField(label=_("附件（PDF、图片、MP4 视频）"), required=False)

    def __init__(self, *args, branches=(), **kw):
        super().__init__(*args, **kw)
        _with_branches(self, branches)


class ImportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("题库文件（xlsx）"))


class QuestionForm(StyledFormMixin, forms.Form):
    category = forms.CharField(label=_("分类"), max_length=40)
    seq = forms.IntegerField(label=_("序号"), min_value=1, max_value=999999)
    stem = forms.CharField(label=_("题干"), widget=forms.Textarea(attrs={"rows": 3}))
    kind = forms.ChoiceField(
        label=_("题型"),
        choices=[
            ("单选", _("单选")),
            ("多选", _("多选")),
            ("判断", _("判断")),
            ("填空", _("填空")),
        ],
    )
    options = forms.CharField(
        label=_("选项（A.…|B.…）"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    answer = forms.CharField(label=_("答案"), max_length=200)
    difficulty = forms.ChoiceField(
        label=_("难度"), choices=[("易", _("易")), ("中", _("中")), ("难", _("难"))]
    )
    explanation = forms.CharField(
        label=_("解析"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = forms.CharField(label=_("修改原因"), max_length=100)


class TestForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("名称"), max_length=120)
    month = forms.DateField(
        label=_("月份（任一日）"), widget=forms.DateInput(attrs={"type": "date"})
    )
    mode = forms.ChoiceField(label=_("组卷方式"), choices=MonthlyTest.Mode.choices)
    spec = forms.CharField(
        label=_("抽题规则（每行：分类,难度 易/中/难,题数）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    question_ids = forms.CharField(
        label=_("固定试卷题目编号（逗号分隔）"), required=False, max_length=2000
    )
    points_per_question = forms.IntegerField(
        label=_("每题分值"), min_value=1, max_value=100, initial=5
    )
    time_limit_minutes = forms.IntegerField(
        label=_("限时（分钟）"), min_value=1, max_value=240, initial=20
    )
    opens_at = forms.DateTimeField(
        label=_("开放时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    closes_at = forms.DateTimeField(
        label=_("截止时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    branches = BranchesField(label=_("参加支部"))

    def __init__(self, *args, branches=(), **kw):
        super().__init__(*args, **kw)
        _with_branches(self, branches)

    def clean_spec(self):
        out = []
        levels = {"易": 1, "中": 2, "难": 3}
        for line in (self.cleaned_data.get("spec") or "").splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            if len(parts) != 3 or parts[1] not in levels or not parts[2].isdigit():
                raise forms.ValidationError(_("每行应为：分类,难度（易/中/难）,题数。"))
            out.append(
                {"category": parts[0], "difficulty": levels[parts[1]], "count": int(parts[2])}
            )
        return out

    def clean_question_ids(self):
        raw = (self.cleaned_data.get("question_ids") or "").replace("，", ",")
        try:
            return [int(x) for x in raw.split(",") if x.strip()]
        except ValueError:
            raise forms.ValidationError(_("题目编号应为数字，用逗号分隔。")) from None


class EventForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=Event.Kind.choices)
    title = forms.CharField(label=_("名称"), max_length=120)
    speaker = forms.CharField(label=_("主讲人"), max_length=80, required=False)
    site = forms.CharField(label=_("地点"), max_length=120)
    starts_at = forms.DateTimeField(
        label=_("开始时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("结束时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    description = forms.CharField(
        label=_("内容"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    branches = BranchesField(label=_("参加支部"))

    def __init__(self, *args, branches=(), **kw):
        super().__init__(*args, **kw)
        _with_branches(self, branches)


class ReviewForm(StyledFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("审阅结果"), choices=[("approve", _("通过")), ("return", _("退回修改"))]
    )
    review_note = forms.CharField(
        label=_("审阅意见"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CheckinForm(StyledFormMixin, forms.Form):
    book = forms.ChoiceField(
        label=_("学习书目"), choices=[(b, f"《{b}》") for b in rules.SET_BOOKS]
    )
    minutes = forms.IntegerField(label=_("学习时长（分钟）"), min_value=1, max_value=1440)


class ReflectionForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("标题"), max_length=80)
    body = forms.CharField(
        label=_("心得体会（至少 50 字）"), widget=forms.Textarea(attrs={"rows": 8})
    )
