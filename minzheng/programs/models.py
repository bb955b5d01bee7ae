"""The assistance engine: programmes, applications and their life cycle, decisions,
investigations, publicity objections, notices and disbursement batches.

Money never lives here: amounts owed and paid are ledger postings; rows here only point
at the ledger entries (by id) that moved the money.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from minzheng.core.models import Division
from minzheng.core.workflow import TransitionLog
from minzheng.registry.pii import EncryptedTextField


class Programme(models.Model):
    class Kind(models.TextChoices):
        CASH = "cash", _("现金救助")
        FEE_WAIVER = "fee_waiver", _("费用减免")
        SERVICE = "service", _("服务")
        IN_KIND = "in_kind", _("实物")

    class ApplicantKind(models.TextChoices):
        PERSON = "person", _("个人")
        HOUSEHOLD = "household", _("家庭")
        ORGANISATION = "organisation", _("机构")

    code = models.SlugField(_("项目代码"), max_length=40, unique=True)
    name = models.CharField(_("项目名称"), max_length=80)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    applicant_kind = models.CharField(_("申请主体"), max_length=20, choices=ApplicantKind.choices)
    rules_key = models.CharField(
        _("规则集"), max_length=40, help_text=_("minzheng/programs/rules 中登记的规则集名称。")
    )
    # [{"kind": "id_card", "label": "身份证"}, …]: what the counter checks at 受理.
    documents_required = models.JSONField(_("所需材料"), default=list, blank=True)
    description = models.TextField(_("说明"), blank=True)
    fast_path = models.BooleanField(_("允许先行救助"), default=False)
    portal_open = models.BooleanField(_("接受网上申请"), default=True)
    is_active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=100)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("救助项目")
        verbose_name_plural = _("救助项目")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class State(models.TextChoices):
    SUBMITTED = "submitted", _("待受理")
    RETURNED = "returned", _("退回补正")
    INVESTIGATION = "investigation", _("调查核实")
    PUBLICITY = "publicity", _("公示中")
    REVIEW = "review", _("待审批")
    APPROVED = "approved", _("已批准待发放")
    REFUSED = "refused", _("不予救助")
    PAID = "paid", _("已发放")
    CLOSED = "closed", _("已办结")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_STATES = (
    State.SUBMITTED,
    State.RETURNED,
    State.INVESTIGATION,
    State.PUBLICITY,
    State.REVIEW,
    State.APPROVED,
)


class Application(models.Model):
    """One application to one programme, by a person, a household or an organisation."""

    class Channel(models.TextChoices):
        PORTAL = "portal", _("网上申请")
        COUNTER = "counter", _("窗口受理")
        SERVICE_POINT = "service_point", _("服务机构现场登记")

    scope_field = "division"

    programme = models.ForeignKey(
        Programme, verbose_name=_("救助项目"), on_delete=models.PROTECT, related_name="applications"
    )
    number = models.CharField(_("申请编号"), max_length=30, unique=True)
    idempotency_key = models.CharField(max_length=80, unique=True, editable=False)
    channel = models.CharField(_("申请渠道"), max_length=20, choices=Channel.choices)
    state = models.CharField(
        _("状态"), max_length=20, choices=State.choices, default=State.SUBMITTED
    )
    # No single-column index: the queue indexes start with (state, division), and a bare
    # division index tempts SQLite's planner into scanning a whole district.
    division = models.ForeignKey(
        Division,
        verbose_name=_("所在区划"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # Applicant: a person (with household) or an organisation; facts entered are kept even
    # when the registry has no row yet.
    applicant_name = models.CharField(_("申请人"), max_length=100)
    applicant_id_number = EncryptedTextField(_("身份证号码/信用代码"), blank=True)
    applicant_id_hash = models.CharField(max_length=32, blank=True, db_index=True, editable=False)
    applicant_id_masked = models.CharField(_("证件号码"), max_length=24, blank=True, editable=False)
    phone = EncryptedTextField(_("联系电话"), blank=True)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True, editable=False)
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        "registry.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "registry.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="program_applications",
        verbose_name=_("网上申请账号"),
    )
    household_size = models.PositiveSmallIntegerField(_("家庭人口"), default=1)
    facts = models.JSONField(_("申请事实"), default=dict, blank=True)
    cause = models.CharField(_("事由"), max_length=40, blank=True)
    year = models.PositiveSmallIntegerField(_("年度"))
    # "At most once" rules (same cause per household per year, one grant per level per
    # person …): a key built by the programme's rules, unique while the application stands.
    limit_key = models.CharField(max_length=160, null=True, blank=True, unique=True, editable=False)
    limit_override_reason = models.CharField(_("超次数办理理由"), max_length=300, blank=True)
    # Payee: whom the ledger owes (party "person:12" / "org:3") and where the bank pays.
    payee_party = models.CharField(_("收款方"), max_length=40)
    payee_name = models.CharField(_("收款户名"), max_length=100)
    bank_name = models.CharField(_("开户银行"), max_length=60, blank=True)
    bank_account = EncryptedTextField(_("银行账号"), blank=True)
    bank_account_masked = models.CharField(_("银行账号"), max_length=40, blank=True, editable=False)
    # Mandatory review: applicant is staff or a staff relative (declared or matched).
    staff_related = models.BooleanField(_("工作人员或其近亲属"), default=False)
    staff_related_note = models.CharField(_("关联说明"), max_length=200, blank=True)
    amount = models.DecimalField(
        _("核定金额"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    approval_level = models.CharField(_("审批层级"), max_length=20, blank=True)
    refusal_reasons = models.TextField(_("不予救助理由"), blank=True)
    missing_documents = models.JSONField(_("需补正材料"), default=list, blank=True)
    # Fast path (先行救助): paid first from the town reserve, paperwork completed later.
    fast_path = models.BooleanField(_("先行救助"), default=False)
    advance_amount = models.DecimalField(
        _("先行救助金额"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    advance_on = models.DateField(_("先行救助日期"), null=True, blank=True)
    paperwork_due = models.DateField(_("补办手续期限"), null=True, blank=True)
    paperwork_done_on = models.DateField(_("手续补齐日期"), null=True, blank=True)
    publicity_start = models.DateField(_("公示开始"), null=True, blank=True)
    publicity_end = models.DateField(_("公示截止"), null=True, blank=True, help_text=_("含当日。"))
    submitted_on = models.DateField(_("申请日期"))
    state_since = models.DateField(_("进入当前环节日期"))
    due_on = models.DateField(_("本环节办理期限"), null=True, blank=True)
    approval_entry_id = models.BigIntegerField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["facts"])

    class Meta:
        verbose_name = _("救助申请")
        verbose_name_plural = _("救助申请")
        ordering = ["-id"]
        permissions = [
            ("accept_application", _("受理、退回救助申请")),
            ("investigate_application", _("入户调查、公示")),
            ("approve_town", _("审批救助（镇街额度内）")),
            ("approve_district", _("审批救助（区级）")),
            ("override_limit", _("同一事由超次数办理")),
            ("fast_path_advance", _("先行救助")),
            ("manage_disbursement", _("发放批次与银行回盘")),
        ]
        indexes = [
            # Queues: in due-date order, with the division read from the index (scope filter)
            # so a district, town or community page walks the index without sorting.
            models.Index(fields=["state", "due_on", "id", "division"], name="prog_app_queue_idx"),
            models.Index(fields=["programme", "state"], name="prog_app_programme_idx"),
            models.Index(fields=["resident", "id"], name="prog_app_resident_idx"),
            # Late fast-path paperwork, listed on every workbench page: a small partial index.
            models.Index(
                fields=["paperwork_due"],
                name="prog_app_paperwork_idx",
                condition=Q(fast_path=True, paperwork_done_on__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="prog_app_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(household_size__gte=1), name="prog_app_household_size_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.applicant_name}"

    @property
    def applicant_masked(self) -> str:
        from minzheng.registry.validators import mask_name

        if (
            self.organisation_id
            or self.programme.applicant_kind == Programme.ApplicantKind.ORGANISATION
        ):
            return self.applicant_name
        return mask_name(self.applicant_name)


class Transition(TransitionLog):
    """One step of an application's life: who, when, from, to, why (core.workflow's log)."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="transitions"
    )
    from_state = models.CharField(_("原状态"), max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=20, choices=State.choices)
    actor_name = models.CharField(_("经办人"), max_length=150, blank=True)
    on = models.DateField(_("业务日期"))

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["application_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.from_state}→{self.to_state}"


class Decision(models.Model):
    """What the rules said, with everything needed to answer "why this amount" later."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="decisions")
    rules_key = models.CharField(max_length=40)
    on = models.DateField(_("计算日期"))
    eligible = models.BooleanField(_("符合条件"))
    checks = models.JSONField(_("条件核验"), default=list)
    inputs = models.JSONField(_("计算依据事实"), default=dict)
    parameters = models.JSONField(_("所用政策参数"), default=list)
    amount = models.DecimalField(_("金额"), max_digits=12, decimal_places=2)
    explanation = models.TextField(_("金额说明"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("计算结果")
        verbose_name_plural = _("计算结果")
        ordering = ["application_id", "-id"]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.amount}"


class Investigation(models.Model):
    """Household economic check and home visit (入户调查), done by two different staff."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="investigations"
    )
    visited_on = models.DateField(_("入户日期"))
    staff_1 = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("调查人一"),
    )
    staff_2 = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("调查人二"),
    )
    household_check = models.TextField(_("家庭经济状况核对"))
    findings = models.TextField(_("入户调查情况"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("入户调查")
        verbose_name_plural = _("入户调查")
        ordering = ["application_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(staff_1=models.F("staff_2")), name="prog_visit_two_different_staff"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.visited_on}"

    scope_field = "application__division"


class Objection(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="objections"
    )
    received_on = models.DateField(_("收到日期"))
    raised_by = models.CharField(_("反映人"), max_length=60, blank=True)
    content = models.TextField(_("异议内容"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")

    def __str__(self) -> str:
        return f"{self.application_id} {self.received_on}"


class Notice(models.Model):
    """A written notice issued to the applicant; the PDF is rendered from the record."""

    class Kind(models.TextChoices):
        ACCEPTANCE = "acceptance", _("受理通知书")
        MISSING = "missing", _("补正材料通知书")
        APPROVAL = "approval", _("救助决定书")
        REFUSAL = "refusal", _("不予救助决定书")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(_("文书"), max_length=20, choices=Kind.choices)
    number = models.CharField(_("文号"), max_length=40, unique=True)
    issued_on = models.DateField(_("日期"))
    body = models.JSONField(default=dict)  # what the notice says, frozen at issue time

    class Meta:
        verbose_name = _("通知书")
        verbose_name_plural = _("通知书")
        ordering = ["application_id", "id"]

    def __str__(self) -> str:
        return self.number


class StaffRelation(models.Model):
    """Declared staff and their close relatives (民政工作人员及近亲属备案).

    An applicant whose ID number (blind index) is registered here is flagged for
    mandatory review when the application is submitted.
    """

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("工作人员"),
    )
    name = models.CharField(_("姓名"), max_length=40)
    relation = models.CharField(
        _("关系"), max_length=20, help_text=_("本人、配偶、子女、父母、兄弟姐妹等。")
    )
    id_number = EncryptedTextField(_("身份证号码"))
    id_number_hash = models.CharField(max_length=32, db_index=True, editable=False)
    id_number_masked = models.CharField(_("身份证号码"), max_length=24, editable=False)

    class Meta:
        verbose_name = _("工作人员及近亲属备案")
        verbose_name_plural = _("工作人员及近亲属备案")
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "id_number_hash"], name="prog_staff_relation_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff} · {self.relation} {self.name}"


# core.Job.kind of a bank-return import (programs.services.disbursement_return_start).
RETURN_JOB_KIND = "programs.bank_return"


class DisbursementBatch(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("待导出")
        EXPORTED = "exported", _("已导出银行文件")
        POSTING = "posting", _("回盘入账中")
        DONE = "done", _("已完成")

    number = models.CharField(_("批次号"), max_length=30, unique=True)
    programme = models.ForeignKey(
        Programme,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("项目"),
    )
    division = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="+", verbose_name=_("发放单位区划")
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    rerun_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reruns",
        verbose_name=_("重发自"),
    )
    line_count = models.PositiveIntegerField(_("笔数"), default=0)
    total = models.DecimalField(_("金额合计"), max_digits=16, decimal_places=2, default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    exported_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    scope_field = "division"

    class Meta:
        verbose_name = _("发放批次")
        verbose_name_plural = _("发放批次")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.number


class DisbursementLine(models.Model):
    """One bank transfer to one payee. It settles one or more applications (items)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待回盘")
        CONFIRMED = "confirmed", _("银行成功待入账")
        PAID = "paid", _("已发放")
        FAILED = "failed", _("失败")

    batch = models.ForeignKey(DisbursementBatch, on_delete=models.PROTECT, related_name="lines")
    payee_party = models.CharField(max_length=40)
    payee_name = models.CharField(_("户名"), max_length=100)
    bank_name = models.CharField(_("开户银行"), max_length=60, blank=True)
    bank_account = EncryptedTextField(_("银行账号"), blank=True)
    bank_account_masked = models.CharField(_("银行账号"), max_length=40, blank=True)
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    bank_reason = models.CharField(_("银行说明"), max_length=200, blank=True)
    entry_id = models.BigIntegerField(null=True, blank=True)
    paid_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("发放明细")
        verbose_name_plural = _("发放明细")
        ordering = ["batch_id", "id"]
        indexes = [models.Index(fields=["batch", "status", "id"], name="prog_line_status_idx")]

    def __str__(self) -> str:
        return f"{self.batch_id}-{self.pk} {self.amount}"


class DisbursementItem(models.Model):
    """The part of a line that pays one application. While the line is pending or paid the
    item is open, and an application has at most one open item (no double payment)."""

    line = models.ForeignKey(DisbursementLine, on_delete=models.PROTECT, related_name="items")
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="disbursement_items"
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    is_open = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(is_open=True),
                name="prog_one_open_payment_per_application",
            )
        ]

    def __str__(self) -> str:
        return f"{self.line_id}:{self.application_id}"
