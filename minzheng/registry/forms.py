from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.core.forms_util import StyledFormMixin
from minzheng.core.validators import MAX_ID

from .models import DisabilityLevel, HouseholdMember, Organisation, PersonTag, Sex


class PersonForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=40)
    id_number = forms.CharField(
        label=_("身份证号码"),
        max_length=25,
        required=False,
        help_text=_("18 位；录入后自动识别性别和出生日期。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "inputmode": "text", "spellcheck": "false"}
        ),
    )
    sex = forms.ChoiceField(
        label=_("性别"), choices=[("", _("按身份证号码"))] + list(Sex.choices), required=False
    )
    birth_date = forms.DateField(
        label=_("出生日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    hukou_division = forms.ChoiceField(label=_("户籍地"), required=False)
    residence_division = forms.ChoiceField(label=_("居住地（村居）"))
    address = forms.CharField(label=_("居住地址"), max_length=200, required=False)

    def __init__(self, *args, divisions=(), all_divisions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["residence_division"].choices = [("", _("请选择"))] + list(divisions)
        self.fields["hukou_division"].choices = [("", _("未填写"))] + list(all_divisions)


class PersonEditForm(PersonForm):
    deceased_date = forms.DateField(
        label=_("死亡日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["id_number"].help_text = _("留空表示不修改；出于隐私保护不显示原号码。")
        self.fields["phone"].help_text = _("留空表示不修改。")


class PersonSearchForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("姓名 / 身份证号码 / 电话"), required=False)
    sex = forms.ChoiceField(
        label=_("性别"), choices=[("", _("全部"))] + list(Sex.choices), required=False
    )
    division = forms.ChoiceField(label=_("区划"), required=False)
    tag = forms.ChoiceField(
        label=_("群体"),
        required=False,
        choices=[("", _("全部")), ("elderly_60", _("60岁以上")), ("elderly_80", _("80岁以上"))]
        + list(PersonTag.Tag.choices),
    )

    def __init__(self, *args, divisions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].choices = [("", _("全部"))] + list(divisions)


class VoidForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=_("作废原因"), max_length=200)


class TagForm(StyledFormMixin, forms.Form):
    tag = forms.ChoiceField(label=_("类别"), choices=PersonTag.Tag.choices)
    valid_from = forms.DateField(
        label=_("起始日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_to = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    certificate_no = forms.CharField(label=_("证件号码"), max_length=40, required=False)
    disability_category = forms.ChoiceField(
        label=_("残疾类别"),
        required=False,
        choices=[("", "—")] + list(PersonTag.DisabilityCategory.choices),
    )
    disability_level = forms.TypedChoiceField(
        label=_("残疾等级"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *DisabilityLevel.choices],
    )


class HouseholdForm(StyledFormMixin, forms.Form):
    number = forms.CharField(label=_("户编号"), max_length=40)
    division = forms.ChoiceField(label=_("所在村居"))
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    head_id = forms.IntegerField(
        label=_("户主人员编号"),
        min_value=1,
        max_value=MAX_ID,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, divisions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].choices = [("", _("请选择"))] + list(divisions)


class MemberForm(StyledFormMixin, forms.Form):
    person_id = forms.IntegerField(
        label=_("人员编号"),
        min_value=1,
        max_value=MAX_ID,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    relation = forms.ChoiceField(
        label=_("与户主关系"),
        choices=[c for c in HouseholdMember.Relation.choices if c[0] != "head"],
    )


class OrganisationForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=25, required=False)
    kind = forms.ChoiceField(label=_("类型"), choices=Organisation.Kind.choices)
    division = forms.ChoiceField(label=_("所在区划"))
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)

    def __init__(self, *args, divisions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].choices = [("", _("请选择"))] + list(divisions)


class AttachmentForm(StyledFormMixin, forms.Form):
    kind = forms.CharField(label=_("材料名称"), max_length=40)
    file = forms.FileField(
        label=_("文件"), help_text=_("PDF、JPG、PNG、XLSX、DOCX，单个不超过 10 MB。")
    )


class ImportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("人员信息表（.xlsx 或 .csv）"))
