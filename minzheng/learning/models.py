"""Party-history study (党史学习教育): study material issues, reading records, daily study
check-ins, the question bank, monthly tests and their sittings, lectures and visits with
attendance, reflections.

Party members and branches are `volunteers.Volunteer` / `volunteers.PartyBranch`; this app
points at them by foreign key and reads them only through `volunteers.selectors`. Every row
a member makes carries the division of the member's branch (`division`, the scope field),
copied when the row is written, so scope is a range on this app's own column.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from minzheng.core.models import Division
from minzheng.core.workflow import TransitionLog

BRANCH = "volunteers.PartyBranch"
MEMBER = "volunteers.Volunteer"


def _division(verbose=None):
    return models.ForeignKey(
        Division,
        verbose_name=verbose or _("所属区划"),
        on_delete=models.PROTECT,
        related_name="+",
    )


class SecretaryBranch(models.Model):
    """A staff account that acts as the secretary (党支部书记) of a branch: its pages and
    reviews are narrowed to the branches it is linked to (within its division scope)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="learning_branches"
    )
    branch = models.ForeignKey(BRANCH, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("支部书记")
        verbose_name_plural = _("支部书记")
        constraints = [
            models.UniqueConstraint(fields=["user", "branch"], name="learning_secretary_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.branch_id}"


# ---------------------------------------------------------------- study material


class StudyIssue(models.Model):
    """One numbered issue (期) of study material, published to branches."""

    scope_field = "division"

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")

    year = models.PositiveSmallIntegerField(_("年度"))
    number = models.PositiveSmallIntegerField(_("期号"))
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("正文"))
    reading_minutes = models.PositiveSmallIntegerField(_("预计阅读时间（分钟）"))
    division = _division(_("发布单位（区划）"))
    branches = models.ManyToManyField(BRANCH, verbose_name=_("发布到支部"), related_name="+")
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[branches])

    class Meta:
        verbose_name = _("学习资料")
        verbose_name_plural = _("学习资料")
        ordering = ["-year", "-number"]
        permissions = [("export_learning", _("导出学习数据"))]
        constraints = [
            models.UniqueConstraint(
                fields=["division", "year", "number"], name="learning_issue_number_once"
            ),
            models.CheckConstraint(
                condition=Q(reading_minutes__gte=1), name="learning_issue_minutes_min"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}年第{self.number}期 {self.title}"


class ReadingRecord(models.Model):
    """A member's reading of one issue: first opened, read to the end, seconds spent."""

    scope_field = "division"

    issue = models.ForeignKey(StudyIssue, on_delete=models.PROTECT, related_name="readings")
    member = models.ForeignKey(MEMBER, on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey(BRANCH, on_delete=models.PROTECT, related_name="+")
    division = _division()
    opened_at = models.DateTimeField(_("首次打开"))
    finished_at = models.DateTimeField(_("读完时间"), null=True, blank=True)
    seconds_spent = models.PositiveIntegerField(_("阅读时长（秒）"), default=0)

    class Meta:
        verbose_name = _("阅读记录")
        verbose_name_plural = _("阅读记录")
        constraints = [
            models.UniqueConstraint(fields=["issue", "member"], name="learning_reading_once")
        ]

    def __str__(self) -> str:
        return f"{self.issue_id}/{self.member_id}"


# ---------------------------------------------------------------- daily study


class StudyDay(models.Model):
    """A member's totals for one day (每日一学): the row the daily caps are checked against,
    locked while a check-in is added, so two check-ins cannot both pass the cap."""

    scope_field = "division"

    member = models.ForeignKey(MEMBER, on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey(BRANCH, on_delete=models.PROTECT, related_name="+")
    division = _division()
    day = models.DateField(_("日期"))
    minutes = models.PositiveIntegerField(_("学习时长（分钟）"), default=0)
    points = models.PositiveIntegerField(_("积分"), default=0)

    class Meta:
        verbose_name = _("每日学习")
        verbose_name_plural = _("每日学习")
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["member", "day"], name="learning_day_once")]
        indexes = [models.Index(fields=["division", "day"], name="learning_day_scope_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.day}"


class CheckIn(models.Model):
    """One check-in of study time: from the phone's timer, or reading an issue."""

    scope_field = "division"

    class Source(models.TextChoices):
        TIMER = "timer", _("计时学习")
        MATERIAL = "material", _("阅读学习资料")

    day = models.ForeignKey(StudyDay, on_delete=models.PROTECT, related_name="checkins")
    division = _division()
    source = models.CharField(_("方式"), max_length=10, choices=Source.choices)
    book = models.CharField(_("学习书目"), max_length=60, blank=True)
    issue = models.ForeignKey(
        StudyIssue, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    minutes = models.PositiveIntegerField(_("学习时长（分钟）"))
    points = models.PositiveIntegerField(_("积分"))
    parameters = models.JSONField(_("所用参数"), default=dict)
    created_at = models.DateTimeField(_("打卡时间"))

    class Meta:
        verbose_name = _("学习打卡")
        verbose_name_plural = _("学习打卡")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.day_id} +{self.minutes}"


# ---------------------------------------------------------------- question bank


class Question(models.Model):
    """A question of the bank. District-wide master data kept by the bureau (no division):
    papers copy what they use, so an edit never changes a paper already drawn."""

    class Kind(models.TextChoices):
        SINGLE = "single", _("单选")
        MULTIPLE = "multiple", _("多选")
        JUDGE = "judge", _("判断")
        FILL = "fill", _("填空")

    class Difficulty(models.IntegerChoices):
        EASY = 1, _("易")
        MEDIUM = 2, _("中")
        HARD = 3, _("难")

    category = models.CharField(_("分类"), max_length=40)
    seq = models.PositiveIntegerField(_("序号"))
    stem = models.TextField(_("题干"))
    kind = models.CharField(_("题型"), max_length=10, choices=Kind.choices)
    # [{"key": "A", "text": "…"}, …]; judge questions have T/F, fill questions none.
    options = models.JSONField(_("选项"), default=list, blank=True)
    # single "A"; multiple "AC" (sorted keys); judge "T"/"F"; fill: accepted answers "|"-joined.
    answer = models.CharField(_("答案"), max_length=200)
    difficulty = models.PositiveSmallIntegerField(_("难度"), choices=Difficulty.choices)
    explanation = models.TextField(_("解析"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("题目")
        verbose_name_plural = _("题库")
        ordering = ["category", "seq"]
        permissions = [("import_question", _("导入题库"))]
        constraints = [
            models.UniqueConstraint(fields=["category", "seq"], name="learning_question_seq_once")
        ]

    def __str__(self) -> str:
        return f"{self.category}#{self.seq}"


# ---------------------------------------------------------------- monthly tests


class MonthlyTest(models.Model):
    """每月一测: a paper drawn per member (by category and difficulty) or fixed."""

    scope_field = "division"

    class Mode(models.TextChoices):
        RANDOM = "random", _("随机组卷")
        FIXED = "fixed", _("固定试卷")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")

    title = models.CharField(_("名称"), max_length=120)
    month = models.DateField(_("月份"))  # the first day of the month
    division = _division(_("发布单位（区划）"))
    branches = models.ManyToManyField(BRANCH, verbose_name=_("参加支部"), related_name="+")
    mode = models.CharField(_("组卷方式"), max_length=10, choices=Mode.choices)
    # random: [{"category": "…", "difficulty": 1, "count": 5}, …]
    spec = models.JSONField(_("抽题规则"), default=list, blank=True)
    points_per_question = models.PositiveSmallIntegerField(_("每题分值"), default=5)
    time_limit_minutes = models.PositiveSmallIntegerField(_("限时（分钟）"))
    opens_at = models.DateTimeField(_("开放时间"))
    closes_at = models.DateTimeField(_("截止时间"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[branches])

    class Meta:
        verbose_name = _("每月一测")
        verbose_name_plural = _("每月一测")
        ordering = ["-month", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="learning_test_window"
            ),
            models.CheckConstraint(
                condition=Q(time_limit_minutes__gte=1), name="learning_test_limit_min"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class FixedQuestion(models.Model):
    """A question of a fixed paper, in order."""

    test = models.ForeignKey(MonthlyTest, on_delete=models.CASCADE, related_name="fixed")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(_("题序"))

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["test", "question"], name="learning_fixed_once")
        ]

    def __str__(self) -> str:
        return f"{self.test_id}#{self.position}"


class SittingState(models.TextChoices):
    OPEN = "open", _("答题中")
    SUBMITTED = "submitted", _("已交卷")
    EXPIRED = "expired", _("超时收卷")


class Sitting(models.Model):
    """A member's one sitting of a test (a unique constraint: one per member and test).
    The deadline is fixed on the server when it starts."""

    scope_field = "division"

    test = models.ForeignKey(MonthlyTest, on_delete=models.PROTECT, related_name="sittings")
    member = models.ForeignKey(MEMBER, on_delete=models.PROTECT, related_name="+")
    # The portal account that started the sitting: saves and the submission are taken only
    # from it (one indexed lookup on the hot path, no member resolution per answer).
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    branch = models.ForeignKey(BRANCH, on_delete=models.PROTECT, related_name="+")
    division = _division()
    state = models.CharField(
        _("状态"), max_length=10, choices=SittingState.choices, default=SittingState.OPEN
    )
    started_at = models.DateTimeField(_("开始时间"))
    deadline = models.DateTimeField(_("截止时间"))
    submitted_at = models.DateTimeField(_("交卷时间"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("得分"), null=True, blank=True)
    max_score = models.PositiveSmallIntegerField(_("满分"))

    class Meta:
        verbose_name = _("答卷")
        verbose_name_plural = _("答卷")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["test", "member"], name="learning_one_sitting")
        ]
        indexes = [models.Index(fields=["division", "test"], name="learning_sitting_scope_idx")]

    def __str__(self) -> str:
        return f"{self.test_id}/{self.member_id}"


class SittingQuestion(models.Model):
    """One question of a member's paper: a copy of the question as drawn, and the answer
    as last saved."""

    scope_field = "sitting__division"

    sitting = models.ForeignKey(Sitting, on_delete=models.PROTECT, related_name="questions")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(_("题序"))
    points = models.PositiveSmallIntegerField(_("分值"))
    kind = models.CharField(_("题型"), max_length=10, choices=Question.Kind.choices)
    stem = models.TextField(_("题干"))
    options = models.JSONField(_("选项"), default=list, blank=True)
    correct = models.CharField(_("答案"), max_length=200)
    explanation = models.TextField(_("解析"), blank=True)
    given = models.CharField(_("作答"), max_length=200, blank=True)
    answered_at = models.DateTimeField(_("作答时间"), null=True, blank=True)
    is_correct = models.BooleanField(_("正确"), null=True)
    awarded = models.PositiveSmallIntegerField(_("得分"), null=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["sitting", "question"], name="learning_paper_question_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sitting_id}#{self.position}"


class SittingTransition(TransitionLog):
    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="transitions")

    class Meta:
        ordering = ["at", "id"]


# ---------------------------------------------------------------- lectures and visits


class Event(models.Model):
    """An expert lecture (专家讲座) or a visit to a red-education site (红色教育基地)."""

    scope_field = "division"

    class Kind(models.TextChoices):
        LECTURE = "lecture", _("专家讲座")
        VISIT = "visit", _("参观学习")

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("名称"), max_length=120)
    speaker = models.CharField(_("主讲人"), max_length=80, blank=True)
    site = models.CharField(_("地点"), max_length=120)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    description = models.TextField(_("内容"), blank=True)
    division = _division(_("组织单位（区划）"))
    branches = models.ManyToManyField(BRANCH, verbose_name=_("参加支部"), related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[branches])

    class Meta:
        verbose_name = _("讲座与参观")
        verbose_name_plural = _("讲座与参观")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="learning_event_window"
            )
        ]

    def __str__(self) -> str:
        return self.title


class EventAttendance(models.Model):
    scope_field = "division"

    class Method(models.TextChoices):
        QR = "qr", _("扫码签到")
        STAFF = "staff", _("工作人员扫码")

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="attendance")
    member = models.ForeignKey(MEMBER, on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey(BRANCH, on_delete=models.PROTECT, related_name="+")
    division = _division()
    checked_in_at = models.DateTimeField(_("签到时间"))
    method = models.CharField(_("方式"), max_length=10, choices=Method.choices)

    class Meta:
        verbose_name = _("签到")
        verbose_name_plural = _("签到")
        ordering = ["checked_in_at"]
        constraints = [
            models.UniqueConstraint(fields=["event", "member"], name="learning_attend_once")
        ]

    def __str__(self) -> str:
        return f"{self.event_id}/{self.member_id}"


class ReflectionState(models.TextChoices):
    SUBMITTED = "submitted", _("待审阅")
    APPROVED = "approved", _("已通过")
    RETURNED = "returned", _("退回修改")


class Reflection(models.Model):
    """心得体会: what a member learnt at a lecture or visit, reviewed by the secretary."""

    scope_field = "division"

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="reflections")
    member = models.ForeignKey(MEMBER, on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey(BRANCH, on_delete=models.PROTECT, related_name="+")
    division = _division()
    title = models.CharField(_("标题"), max_length=80)
    body = models.TextField(_("正文"))
    state = models.CharField(
        _("状态"),
        max_length=10,
        choices=ReflectionState.choices,
        default=ReflectionState.SUBMITTED,
    )
    submitted_at = models.DateTimeField(_("提交时间"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审阅时间"), null=True, blank=True)
    review_note = models.TextField(_("审阅意见"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("心得体会")
        verbose_name_plural = _("心得体会")
        ordering = ["-submitted_at"]
        permissions = [("review_reflection", _("审阅心得体会"))]
        constraints = [
            models.UniqueConstraint(fields=["event", "member"], name="learning_reflection_once")
        ]

    def __str__(self) -> str:
        return self.title


class ReflectionTransition(TransitionLog):
    reflection = models.ForeignKey(Reflection, on_delete=models.CASCADE, related_name="transitions")

    class Meta:
        ordering = ["at", "id"]
