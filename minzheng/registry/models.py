"""Persons, households and organisations, with personal data encrypted at rest.

ID numbers and phones are stored three ways, none of them plaintext: the ciphertext
(EncryptedTextField), a keyed hash for exact search (blind index) and the masked form
shown in lists, so that list pages and exports never need to decrypt.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from minzheng.core.models import Division

from . import rules
from .pii import EncryptedTextField


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Person(models.Model):
    scope_field = "residence_division"

    name = models.CharField(_("姓名"), max_length=40)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    id_number = EncryptedTextField(_("身份证号码"), blank=True)
    id_number_hash = models.CharField(
        max_length=32, null=True, blank=True, unique=True, editable=False
    )
    id_number_masked = models.CharField(_("身份证号码"), max_length=20, blank=True, editable=False)
    phone = EncryptedTextField(_("联系电话"), blank=True)
    phone_hash = models.CharField(max_length=32, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True, editable=False)
    hukou_division = models.ForeignKey(
        Division,
        verbose_name=_("户籍地"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    residence_division = models.ForeignKey(
        Division,
        verbose_name=_("居住地"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        help_text=_("决定由哪个镇街、村居管理该人员。"),
    )
    address = models.CharField(_("居住地址"), max_length=200, blank=True)
    deceased_date = models.DateField(_("死亡日期"), null=True, blank=True)
    is_void = models.BooleanField(_("已作废"), default=False)
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # History rows are read by person (history_id, id), never searched by these columns:
    # without their indexes a bulk import writes a third fewer index entries.
    history = HistoricalRecords(
        no_db_index=[
            "name",
            "id_number_hash",
            "phone_hash",
            "hukou_division",
            "residence_division",
            "created_by",
        ]
    )

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["-id"]
        permissions = [
            ("reveal_personal_data", _("查看完整身份证号码和电话（留痕）")),
            ("import_persons", _("批量导入人员")),
            ("export_persons", _("导出人员")),
        ]
        # The list filters' indexes exist on PostgreSQL only (migration 0004): the scope
        # range (residence_division, id), name prefixes (varchar_pattern_ops) and birth
        # dates. SQLite has no range statistics and would use them for every list, sorting
        # the whole range; without them it walks the primary key backwards and stops at the
        # page size.
        indexes: list = []  # the foreign key's own index serves hukou_division

    def __str__(self) -> str:
        return self.name

    def age_on(self, day: dt.date) -> int | None:
        return rules.age_on(self.birth_date, day)

    @property
    def age_today(self) -> int | None:
        """What lists show beside a masked ID number, instead of the birth date."""
        return self.age_on(timezone.localdate())


class DisabilityLevel(models.IntegerChoices):
    LEVEL_1 = 1, _("一级")
    LEVEL_2 = 2, _("二级")
    LEVEL_3 = 3, _("三级")
    LEVEL_4 = 4, _("四级")


class PersonTag(models.Model):
    """A special-group membership with its validity period.

    Elderly (60+, 80+) is not stored: it is derived from the birth date on the day asked
    (registry.rules.derived_tags)."""

    class Tag(models.TextChoices):
        DISABLED = "disabled", _("残疾人")
        ORPHAN = "orphan", _("孤儿")
        DIBAO = "dibao", _("低保")
        DIBIAN = "dibian", _("低保边缘")
        TEKUN = "tekun", _("特困")
        CHILD_IN_DIFFICULTY = "child_difficulty", _("困境儿童")

    class DisabilityCategory(models.TextChoices):
        VISUAL = "visual", _("视力残疾")
        HEARING = "hearing", _("听力残疾")
        SPEECH = "speech", _("言语残疾")
        PHYSICAL = "physical", _("肢体残疾")
        INTELLECTUAL = "intellectual", _("智力残疾")
        MENTAL = "mental", _("精神残疾")
        MULTIPLE = "multiple", _("多重残疾")

    scope_field = "person__residence_division"

    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="tags"
    )
    tag = models.CharField(_("类别"), max_length=20, choices=Tag.choices)
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("截止日期"), null=True, blank=True)
    certificate_no = models.CharField(_("证件号码"), max_length=40, blank=True)
    disability_category = models.CharField(
        _("残疾类别"), max_length=20, choices=DisabilityCategory.choices, blank=True
    )
    disability_level = models.PositiveSmallIntegerField(
        _("残疾等级"), null=True, blank=True, choices=DisabilityLevel.choices
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("特殊群体标签")
        verbose_name_plural = _("特殊群体标签")
        indexes = [models.Index(fields=["tag", "valid_from"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(tag="disabled")
                | (
                    Q(disability_level__gte=1)
                    & Q(disability_level__lte=4)
                    & ~Q(certificate_no="")
                    & ~Q(disability_category="")
                ),
                name="disability_tag_has_certificate_category_level",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="tag_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_tag_display()}"


class Household(models.Model):
    scope_field = "division"

    number = models.CharField(_("户编号"), max_length=40, unique=True)
    division = models.ForeignKey(
        Division, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("家庭户")
        verbose_name_plural = _("家庭户")
        ordering = ["-id"]
        indexes = [models.Index(fields=["division", "id"], name="household_scope_idx")]

    def __str__(self) -> str:
        return self.number


class HouseholdMember(models.Model):
    class Relation(models.TextChoices):
        HEAD = "head", _("户主")
        SPOUSE = "spouse", _("配偶")
        CHILD = "child", _("子女")
        PARENT = "parent", _("父母")
        GRANDCHILD = "grandchild", _("孙子女")
        GRANDPARENT = "grandparent", _("祖父母")
        SIBLING = "sibling", _("兄弟姐妹")
        CHILD_IN_LAW = "child_in_law", _("儿媳/女婿")
        OTHER = "other", _("其他")

    scope_field = "household__division"

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="members")
    person = models.ForeignKey(
        Person, verbose_name=_("成员"), on_delete=models.PROTECT, related_name="memberships"
    )
    relation = models.CharField(_("与户主关系"), max_length=20, choices=Relation.choices)
    joined_on = models.DateField(_("加入日期"), default=timezone.localdate)
    left_on = models.DateField(_("离开日期"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(left_on__isnull=True),
                name="one_current_household_per_person",
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(left_on__isnull=True, relation="head"),
                name="one_current_head_per_household",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household} · {self.person} ({self.get_relation_display()})"


class Organisation(models.Model):
    class Kind(models.TextChoices):
        SOCIAL_ORGANISATION = "social_org", _("社会团体")
        PRIVATE_NON_ENTERPRISE = "non_enterprise", _("民办非企业单位")
        FOUNDATION = "foundation", _("基金会")
        ENTERPRISE = "enterprise", _("企业")
        PUBLIC_INSTITUTION = "institution", _("事业单位")
        GOVERNMENT = "government", _("机关")
        OTHER = "other", _("其他")

    scope_field = "division"

    name = models.CharField(_("名称"), max_length=100, db_index=True)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, null=True, blank=True
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    division = models.ForeignKey(
        Division, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=40, blank=True)
    contact_phone = EncryptedTextField(_("联系电话"), blank=True)
    contact_phone_masked = models.CharField(
        _("联系电话"), max_length=20, blank=True, editable=False
    )
    is_void = models.BooleanField(_("已作废"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name
