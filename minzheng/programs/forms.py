"""Forms of the programme pages. The facts part is built from the programme's rule set,
so a new programme needs no new form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.core.forms_util import StyledFormMixin
from minzheng.core.validators import validate_event_date

from .models import State
from .rules import FACT_DECIMAL_MAX, FactField, get_rules


def fact_form_field(f: FactField) -> forms.Field:
    common = {"label": f.label, "required": f.required and f.kind != "bool", "help_text": f.help}
    if f.kind == "int":
        low, high = f.int_bounds
        return forms.IntegerField(min_value=low, max_value=high, **common)
    if f.kind == "decimal":
        return forms.DecimalField(
            min_value=0, max_value=FACT_DECIMAL_MAX, decimal_places=2, max_digits=12, **common
        )
    if f.kind == "choice":
        return forms.ChoiceField(
            choices=[("", "——")] + [(k, str(v)) for k, v in f.choices], **common
        )
    if f.kind == "bool":
        return forms.BooleanField(**common)
    if f.kind == "date":
        return forms.DateField(
            widget=forms.DateInput(attrs={"type": "date"}),
            validators=[validate_event_date],
            **common,
        )
    return forms.CharField(
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}) if f.name == "description" else None,
        **common,
    )


class ApplicationForm(StyledFormMixin, forms.Form):
    """Applicant, payee and facts; one file field per required document."""

    division = forms.ChoiceField(label=_("所在镇街/村居"))
    applicant_name = forms.CharField(label=_("申请人姓名（机构名称）"), max_length=100)
    applicant_id_number = forms.CharField(label=_("身份证号码（统一社会信用代码）"), max_length=24)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    bank_name = forms.CharField(label=_("开户银行"), max_length=60, required=False)
    bank_account = forms.CharField(label=_("银行账号"), max_length=40, required=False)
    staff_related = forms.BooleanField(
        label=_("申请人是民政部门或村（居）委会工作人员，或其近亲属"),
        required=False,
        help_text=_("如实申报；属此情形的申请须经区级重点审核。"),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, programme, divisions, staff: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme = programme
        self.fields["division"].choices = [("", "——")] + list(divisions)
        # Required as the service requires it, so the form marks it truthfully.
        self.fields["bank_account"].required = programme.kind == "cash"
        self.fields["bank_name"].required = programme.kind == "cash"
        self.fact_names = []
        for f in get_rules(programme.rules_key).fields:
            name = f"fact_{f.name}"
            self.fields[name] = fact_form_field(f)
            self.fact_names.append(name)
        self.doc_names = []
        for doc in programme.documents_required:
            name = f"doc_{doc['kind']}"
            self.fields[name] = forms.FileField(
                label=doc["label"],
                required=False,
                help_text=_("PDF、JPG、PNG 格式；也可以之后再补交。"),
            )
            self.doc_names.append(name)
        if staff:
            self.fields["staff_related_note"] = forms.CharField(
                label=_("关联情况说明"), max_length=200, required=False
            )
            # The registry person (and household) picked at the counter, if any.
            self.fields["person"] = forms.IntegerField(required=False, widget=forms.HiddenInput)
            self.fields["household"] = forms.IntegerField(required=False, widget=forms.HiddenInput)
        # Fields added after the mixin styled the form get the same classes.
        for name in self.fact_names + self.doc_names:
            widget = self.fields[name].widget
            kind = getattr(widget, "input_type", "")
            css = (
                "form-select"
                if kind == "select"
                else "form-check-input"
                if kind == "checkbox"
                else "form-control"
            )
            widget.attrs["class"] = css

    def facts(self) -> dict:
        return {name.removeprefix("fact_"): self.cleaned_data.get(name) for name in self.fact_names}

    def documents(self):
        return [
            (name.removeprefix("doc_"), self.cleaned_data[name])
            for name in self.doc_names
            if self.cleaned_data.get(name)
        ]


class ReturnForm(StyledFormMixin, forms.Form):
    missing_kinds = forms.MultipleChoiceField(
        label=_("需补正的材料"), required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(
        label=_("其他需补正内容"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["missing_kinds"].choices = [
            (d["kind"], d["label"]) for d in programme.documents_required
        ]


class VisitForm(StyledFormMixin, forms.Form):
    staff_2 = forms.ModelChoiceField(label=_("第二调查人"), queryset=None)
    visited_on = forms.DateField(
        label=_("入户日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    household_check = forms.CharField(
        label=_("家庭经济状况核对"), widget=forms.Textarea(attrs={"rows": 2})
    )
    findings = forms.CharField(label=_("入户调查情况"), widget=forms.Textarea(attrs={"rows": 3}))
    photos = forms.FileField(label=_("现场照片（JPG/PNG，可选）"), required=False)

    def __init__(self, *args, colleagues, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff_2"].queryset = colleagues


class ReasonForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}))


class ObjectionForm(StyledFormMixin, forms.Form):
    raised_by = forms.CharField(label=_("反映人"), max_length=60, required=False)
    content = forms.CharField(label=_("异议内容"), widget=forms.Textarea(attrs={"rows": 2}))


class ApproveForm(StyledFormMixin, forms.Form):
    amount = forms.DecimalField(
        label=_("批准金额（元）"),
        min_value=0,
        decimal_places=2,
        max_digits=12,
        help_text=_("不超过按政策测算的金额；低于测算金额时须填写审批意见。"),
    )
    note = forms.CharField(
        label=_("审批意见"),
        required=False,
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AdvanceForm(StyledFormMixin, forms.Form):
    amount = forms.DecimalField(
        label=_("先行救助金额（元）"), min_value=0, decimal_places=2, max_digits=12
    )


class DocumentForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("材料类型"))
    file = forms.FileField(label=_("文件"))

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (d["kind"], d["label"]) for d in programme.documents_required
        ] + [("other", _("其他材料"))]


class BatchForm(StyledFormMixin, forms.Form):
    programme = forms.ChoiceField(label=_("项目"), required=False)
    group_by_payee = forms.BooleanField(label=_("按收款方合并（如按月结算给机构）"), required=False)

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", _("全部项目"))] + [
            (p.code, p.name) for p in programmes
        ]


class ReturnFileForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("银行回盘文件（xlsx：明细编号、结果、说明）"))


class CaseSearchForm(StyledFormMixin, forms.Form):
    """The search over all applications: every filter optional."""

    text = forms.CharField(label=_("编号、姓名或身份证号"), required=False, max_length=40)
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
    programme = forms.ChoiceField(label=_("救助项目"), required=False)
    state = forms.ChoiceField(label=_("办理状态"), required=False)
    division = forms.ChoiceField(label=_("区划"), required=False)

    def __init__(self, *args, programmes, divisions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", _("全部"))] + [
            (p.code, p.name) for p in programmes
        ]
        self.fields["state"].choices = [("", _("全部"))] + list(State.choices)
        self.fields["division"].choices = [("", _("全部"))] + list(divisions)


class ProgressForm(StyledFormMixin, forms.Form):
    number = forms.CharField(
        label=_("申请编号"),
        max_length=20,
        help_text=_("受理通知书或短信上的编号，如 JZ20260000123。"),
    )
    id_number = forms.CharField(label=_("申请人身份证号码"), max_length=24)
