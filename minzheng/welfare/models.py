"""Child welfare, care activities, respite care and disability employment services.

Every model that holds a record of a person or an event has a `scope_field`; a child's
records (the child, guardians, plans, visits, allowance months) are read only with the
permission `welfare.read_child_file`, and each read of a child's file is logged."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from minzheng.core.models import Division
from minzheng.core.workflow import TransitionLog
from minzheng.registry.models import Household, Person
from minzheng.registry.pii import EncryptedTextField

# ---------------------------------------------------------------- children in care


class WelfareHome(models.Model):
    """儿童福利院: where children in institutional care live; paid their allowance."""

    scope_field = "division"

    name = models.CharField(_("名称"), max_length=80)
    division = models.ForeignKey(
        Division, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    bank_name = models.CharField(_("开户银行"), max_length=60, blank=True)
    bank_account = EncryptedTextField(_("银行账号"), blank=True)
    bank_account_masked = models.CharField(_("银行账号"), max_length=30, blank=True)
    history = HistoricalRecords(excluded_fields=["bank_account"])

    class Meta:
        verbose_name = _("儿童福利院")
        verbose_name_plural = _("儿童福利院")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ChildCategory(models.TextChoices):
    ORPHAN = "orphan", _("孤儿")
    UNSUPPORTED = "unsupported", _("事实无人抚养儿童")
    DISABLED = "disabled", _("残疾儿童")


class Placement(models.TextChoices):
    INSTITUTION = "institution", _("机构养育")
    COMMUNITY = "community", _("社会散居")


class Child(models.Model):
    """A child in care. The person is a registry person; the division is where the child
    lives (the home's division for institutional care)."""

    scope_field = "division"

    person = models.OneToOneField(
        Person, verbose_name=_("儿童"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(_("类别"), max_length=12, choices=ChildCategory.choices)
    placement = models.CharField(_("养育方式"), max_length=12, choices=Placement.choices)
    home = models.ForeignKey(
        WelfareHome,
        verbose_name=_("福利院"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    division = models.ForeignKey(
        Division, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    admitted_on = models.DateField(_("纳入保障日期"))
    left_on = models.DateField(_("退出保障日期"), null=True, blank=True)
    left_reason = models.CharField(_("退出原因"), max_length=200, blank=True)
    note = models.TextField(_("情况说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("儿童档案")
        verbose_name_plural = _("儿童档案")
        ordering = ["id"]
        permissions = [
            ("read_child_file", _("查看儿童档案")),
            ("grant_allowance", _("发放儿童基本生活费")),
            ("export_welfare", _("导出儿童福利与就业帮扶统计")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(placement="institution") | Q(home__isnull=False),
                name="welfare_child_institution_has_home",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("admitted_on")),
                name="welfare_child_left_after_admitted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name}（{self.get_category_display()}）"


class Guardian(models.Model):
    scope_field = "child__division"

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="guardians")
    name = models.CharField(_("监护人姓名"), max_length=40)
    relation = models.CharField(_("与儿童关系"), max_length=20)
    phone = EncryptedTextField(_("联系电话"), blank=True)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True)
    bank_name = models.CharField(_("开户银行"), max_length=60, blank=True)
    bank_account = EncryptedTextField(_("银行账号"), blank=True)
    bank_account_masked = models.CharField(_("银行账号"), max_length=30, blank=True)
    is_payee = models.BooleanField(_("代领生活费"), default=False)
    history = HistoricalRecords(excluded_fields=["phone", "bank_account"])

    class Meta:
        verbose_name = _("监护人")
        verbose_name_plural = _("监护人")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.relation}）"


class CarePlan(models.Model):
    scope_field = "child__division"

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="plans")
    valid_from = models.DateField(_("起始日期"))
    goals = models.TextField(_("照料目标"))
    measures = models.TextField(_("措施"))
    review_on = models.DateField(_("复评日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("照料计划")
        verbose_name_plural = _("照料计划")
        ordering = ["-valid_from", "-id"]

    def __str__(self) -> str:
        return f"{self.child_id} {self.valid_from}"


class ChildVisit(models.Model):
    scope_field = "child__division"

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField(_("探访日期"))
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    findings = models.TextField(_("探访情况"))
    next_visit_on = models.DateField(_("下次探访"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("定期探访")
        verbose_name_plural = _("定期探访")
        ordering = ["-visited_on", "-id"]

    def __str__(self) -> str:
        return f"{self.child_id} {self.visited_on}"


class AllowanceMonth(models.Model):
    """One month of a child's basic living allowance, granted on the programmes engine
    (the application holds the decision and its ledger posting)."""

    scope_field = "child__division"

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="allowances")
    month = models.DateField(_("月份"))  # the first day of the month
    application = models.OneToOneField(
        "programs.Application", on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(_("金额（元）"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("基本生活费")
        verbose_name_plural = _("基本生活费")
        ordering = ["-month", "child_id"]
        constraints = [
            models.UniqueConstraint(fields=["child", "month"], name="welfare_allowance_once")
        ]

    def __str__(self) -> str:
        return f"{self.child_id} {self.month:%Y-%m}"


# ---------------------------------------------------------------- care activities


class CareActivity(models.Model):
    """关爱活动: a welfare-home visit, a themed day at a 康园中心, a festival visit."""

    scope_field = "division"

    class Kind(models.TextChoices):
        HOME_VISIT = "home_visit", _("福利院探访")
        THEMED_DAY = "themed_day", _("康园中心主题活动")
        FESTIVAL = "festival", _("节日慰问")
        OTHER = "other", _("其他关爱活动")

    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("活动名称"), max_length=120)
    organiser = models.CharField(_("组织单位"), max_length=80)
    place = models.CharField(_("地点"), max_length=120)
    division = models.ForeignKey(
        Division, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("参加的工作人员"), blank=True, related_name="+"
    )
    beneficiary_count = models.PositiveIntegerField(_("服务对象人数（未登记姓名）"), default=0)
    report = models.TextField(_("活动简报"), blank=True)
    volunteer_activity_id = models.PositiveIntegerField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[])

    class Meta:
        verbose_name = _("关爱活动")
        verbose_name_plural = _("关爱活动")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="welfare_activity_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title


class ActivityBeneficiary(models.Model):
    scope_field = "activity__division"

    activity = models.ForeignKey(
        CareActivity, on_delete=models.PROTECT, related_name="beneficiaries"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "person"], name="welfare_beneficiary_once")
        ]

    def __str__(self) -> str:
        return f"{self.activity_id}:{self.person_id}"


class ActivityVolunteer(models.Model):
    """A volunteer who took part; the hours themselves are in the volunteers app."""

    scope_field = "activity__division"

    activity = models.ForeignKey(CareActivity, on_delete=models.PROTECT, related_name="volunteers")
    volunteer_id = models.PositiveIntegerField()
    name = models.CharField(max_length=40)
    minutes = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "volunteer_id"], name="welfare_activity_volunteer_once"
            )
        ]

    def __str__(self) -> str:
        return self.name


# ---------------------------------------------------------------- respite care


class RespiteSession(models.Model):
    """喘息服务: a session of care for children so their families can rest. `taken` counts
    active enrolments and is changed only by conditional UPDATEs in services."""

    scope_field = "division"

    title = models.CharField(_("服务名称"), max_length=120)
    organiser = models.CharField(_("组织单位"), max_length=80)
    place = models.CharField(_("地点"), max_length=120)
    division = models.ForeignKey(
        Division, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=5, decimal_places=1)
    capacity = models.PositiveIntegerField(_("可照料儿童人数"))
    taken = models.PositiveIntegerField(_("已报名"), default=0)
    portal_open = models.BooleanField(_("群众可在线报名"), default=True)
    delivered = models.BooleanField(_("已完成服务"), default=False)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("照料人员"), blank=True, related_name="+"
    )
    volunteer_activity_id = models.PositiveIntegerField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords(m2m_fields=[])

    class Meta:
        verbose_name = _("喘息服务场次")
        verbose_name_plural = _("喘息服务场次")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="welfare_respite_end_after_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="welfare_respite_capacity"),
            models.CheckConstraint(
                condition=Q(taken__lte=F("capacity")), name="welfare_respite_taken_within"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class RespiteFamilyYear(models.Model):
    """A family's respite hours booked in a year (active enrolments), against the yearly
    limit; taken by one conditional UPDATE, checked against the enrolments it counts."""

    scope_field = "household__division"

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    hours = models.DecimalField(max_digits=7, decimal_places=1, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="welfare_family_year"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year}: {self.hours}"


class EnrolmentState(models.TextChoices):
    ENROLLED = "enrolled", _("已报名")
    ATTENDED = "attended", _("已服务")
    CANCELLED = "cancelled", _("已取消")


class RespiteEnrolment(models.Model):
    scope_field = "session__division"

    class Source(models.TextChoices):
        PORTAL = "portal", _("群众在线报名")
        COUNTER = "counter", _("工作人员登记")

    session = models.ForeignKey(RespiteSession, on_delete=models.PROTECT, related_name="enrolments")
    household = models.ForeignKey(
        Household, verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="+"
    )
    child = models.ForeignKey(
        Person, verbose_name=_("照料的儿童"), on_delete=models.PROTECT, related_name="+"
    )
    hours = models.DecimalField(_("喘息时长（小时）"), max_digits=5, decimal_places=1)
    year = models.PositiveSmallIntegerField()
    state = models.CharField(
        _("状态"), max_length=10, choices=EnrolmentState.choices, default=EnrolmentState.ENROLLED
    )
    source = models.CharField(_("来源"), max_length=8, choices=Source.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("喘息服务报名")
        verbose_name_plural = _("喘息服务报名")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "child"],
                condition=~Q(state="cancelled"),
                name="welfare_enrolment_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.child_id}"


class EnrolmentTransition(TransitionLog):
    enrolment = models.ForeignKey(
        RespiteEnrolment, on_delete=models.PROTECT, related_name="transitions"
    )

    class Meta:
        ordering = ["enrolment_id", "at", "id"]


class SessionVolunteer(models.Model):
    scope_field = "session__division"

    session = models.ForeignKey(RespiteSession, on_delete=models.PROTECT, related_name="volunteers")
    volunteer_id = models.PositiveIntegerField()
    name = models.CharField(max_length=40)
    minutes = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "volunteer_id"], name="welfare_session_volunteer_once"
            )
        ]

    def __str__(self) -> str:
        return self.name


# ---------------------------------------------------------------- disability employment


class JobSeeker(models.Model):
    """A disabled job-seeker's profile. Disability type and grade come from the registry's
    tags (never copied here, so a re-assessed grade shows at once)."""

    scope_field = "division"

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="+")
    division = models.ForeignKey(
        Division, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    skills = models.JSONField(_("技能"), default=list, blank=True)
    wishes = models.CharField(_("求职意向"), max_length=200, blank=True)
    restrictions = models.CharField(_("工作限制"), max_length=200, blank=True)
    registered_on = models.DateField(_("登记日期"))
    is_active = models.BooleanField(_("求职中"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("残疾人求职者")
        verbose_name_plural = _("残疾人求职者")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.person.name


class Stall(models.Model):
    """摆摊: a service stall (at the human-resources market, a community day)."""

    scope_field = "division"

    title = models.CharField(_("名称"), max_length=120)
    place = models.CharField(_("地点"), max_length=120)
    division = models.ForeignKey(
        Division, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField(_("日期"))

    class Meta:
        verbose_name = _("服务摊位")
        verbose_name_plural = _("服务摊位")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.title} {self.held_on}"


class EmploymentService(models.Model):
    """One service given to one person at a stall or the counter. With an ID number the
    person is identified (the registry person when registered, else the number's keyed
    hash); without one the service is anonymous and counts as a service, not a person."""

    scope_field = "division"

    class Kind(models.TextChoices):
        CONSULTATION = "consultation", _("政策咨询")
        JOBSEEKER = "jobseeker_registration", _("求职登记")
        TRAINING = "training_registration", _("培训报名")

    class Channel(models.TextChoices):
        STALL = "stall", _("摆摊服务")
        COUNTER = "counter", _("窗口服务")

    kind = models.CharField(_("服务类型"), max_length=24, choices=Kind.choices)
    channel = models.CharField(_("服务渠道"), max_length=8, choices=Channel.choices)
    stall = models.ForeignKey(
        Stall, null=True, blank=True, on_delete=models.PROTECT, related_name="services"
    )
    division = models.ForeignKey(
        Division, verbose_name=_("服务区划"), on_delete=models.PROTECT, related_name="+"
    )
    served_on = models.DateField(_("服务日期"))
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("姓名"), max_length=40, blank=True)
    id_number_hash = models.CharField(max_length=32, blank=True, db_index=True, editable=False)
    id_number_masked = models.CharField(_("身份证号码"), max_length=20, blank=True)
    phone = EncryptedTextField(_("联系电话"), blank=True)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["phone"])

    class Meta:
        verbose_name = _("就业服务记录")
        verbose_name_plural = _("就业服务记录")
        ordering = ["-served_on", "-id"]
        indexes = [models.Index(fields=["division", "served_on"], name="welfare_service_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.served_on}"


class Employer(models.Model):
    scope_field = "division"

    name = models.CharField(_("用人单位"), max_length=100)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    division = models.ForeignKey(
        Division, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    contact_name = models.CharField(_("联系人"), max_length=40, blank=True)
    staff_count = models.PositiveIntegerField(_("在职职工人数"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("用人单位")
        verbose_name_plural = _("用人单位")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Vacancy(models.Model):
    scope_field = "employer__division"

    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="vacancies")
    title = models.CharField(_("岗位名称"), max_length=80)
    positions = models.PositiveIntegerField(_("招聘人数"), default=1)
    skills = models.JSONField(_("所需技能"), default=list, blank=True)
    suitable_categories = models.JSONField(_("适合的残疾类别"), default=list, blank=True)
    accommodation = models.CharField(_("提供的合理便利"), max_length=200, blank=True)
    is_open = models.BooleanField(_("招聘中"), default=True)
    posted_on = models.DateField(_("发布日期"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("招聘岗位")
        verbose_name_plural = _("招聘岗位")
        ordering = ["-posted_on", "-id"]

    def __str__(self) -> str:
        return f"{self.employer} · {self.title}"


class ReferralState(models.TextChoices):
    REFERRED = "referred", _("已推荐")
    HIRED = "hired", _("已录用")
    DECLINED = "declined", _("未录用")


class Referral(models.Model):
    scope_field = "jobseeker__division"

    jobseeker = models.ForeignKey(JobSeeker, on_delete=models.PROTECT, related_name="referrals")
    vacancy = models.ForeignKey(Vacancy, on_delete=models.PROTECT, related_name="referrals")
    referred_on = models.DateField(_("推荐日期"))
    state = models.CharField(
        _("状态"), max_length=10, choices=ReferralState.choices, default=ReferralState.REFERRED
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("岗位推荐")
        verbose_name_plural = _("岗位推荐")
        ordering = ["-referred_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["jobseeker", "vacancy"], name="welfare_referral_once")
        ]

    def __str__(self) -> str:
        return f"{self.jobseeker_id}→{self.vacancy_id}"


class ReferralTransition(TransitionLog):
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="transitions")

    class Meta:
        ordering = ["referral_id", "at", "id"]


class JobPlacement(models.Model):
    """安置就业: a job-seeker placed with an employer; followed up at 3 and 6 months."""

    scope_field = "jobseeker__division"

    jobseeker = models.ForeignKey(JobSeeker, on_delete=models.PROTECT, related_name="placements")
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="placements")
    vacancy = models.ForeignKey(
        Vacancy, null=True, blank=True, on_delete=models.PROTECT, related_name="placements"
    )
    referral = models.OneToOneField(
        Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="placement"
    )
    job_title = models.CharField(_("岗位"), max_length=80)
    started_on = models.DateField(_("上岗日期"))
    accommodation = models.CharField(_("合理便利"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("就业安置")
        verbose_name_plural = _("就业安置")
        ordering = ["-started_on", "-id"]

    def __str__(self) -> str:
        return f"{self.jobseeker} @ {self.employer}"


class FollowUp(models.Model):
    scope_field = "placement__jobseeker__division"

    placement = models.ForeignKey(JobPlacement, on_delete=models.PROTECT, related_name="followups")
    months = models.PositiveSmallIntegerField(_("回访节点（月）"), choices=[(3, "3"), (6, "6")])
    done_on = models.DateField(_("回访日期"))
    still_employed = models.BooleanField(_("仍在岗"))
    note = models.CharField(_("回访情况"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("就业回访")
        verbose_name_plural = _("就业回访")
        ordering = ["placement_id", "months"]
        constraints = [
            models.UniqueConstraint(fields=["placement", "months"], name="welfare_followup_once")
        ]

    def __str__(self) -> str:
        return f"{self.placement_id} {self.months}"


class TrainingCourse(models.Model):
    scope_field = "division"

    title = models.CharField(_("培训课程"), max_length=120)
    provider = models.CharField(_("培训机构"), max_length=80)
    division = models.ForeignKey(
        Division, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField(_("开课日期"))
    ends_on = models.DateField(_("结业日期"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("培训课程")
        verbose_name_plural = _("培训课程")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="welfare_course_dates"
            )
        ]

    def __str__(self) -> str:
        return self.title


class TrainingAttendance(models.Model):
    scope_field = "course__division"

    course = models.ForeignKey(TrainingCourse, on_delete=models.PROTECT, related_name="attendance")
    jobseeker = models.ForeignKey(JobSeeker, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("日期"))
    present = models.BooleanField(_("出勤"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("培训考勤")
        verbose_name_plural = _("培训考勤")
        ordering = ["day", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "jobseeker", "day"], name="welfare_training_attendance_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.course_id} {self.jobseeker_id} {self.day}"
