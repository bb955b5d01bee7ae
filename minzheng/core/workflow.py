"""Declared workflows: the one way a case changes state.

A `Workflow` declares, as data, the states a model's rows may hold and the moves between
them (name, sources, target, label, permission). `move()` applies one declared move with
ONE conditional UPDATE (`WHERE pk = … AND state = <the state read>`, the state read being
one of the move's sources) and writes ONE row into the app's transition log, a model that
subclasses `TransitionLog` (who, when, from, to, why). A move that is not declared from
the row's state, or a row that another request moved first, raises a ValidationError and
writes nothing.

The UPDATE is conditional on the exact state read rather than on "any allowed source", so
the log's `from_state` is always the state the row really left, and two concurrent moves
of one row cannot both apply: the second finds no row to update.

Callers own the transaction (`transaction.atomic()` in the app's service) and check
permissions and scope before calling; `Move.permission` is the codename their service
requires, kept beside the move so a reader sees who may do what in one place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

START = ""  # the source of a move that creates the row


class TransitionLog(models.Model):
    """One move of one row: who, when, from, to, why.

    Each app's log subclasses this and adds the foreign key to its subject (named in
    `Workflow.log_subject`) and any fields of its own; a subclass may override a field to
    keep an existing column's width or choices."""

    name = models.CharField(_("操作"), max_length=30)
    from_state = models.CharField(_("原状态"), max_length=20, blank=True)
    to_state = models.CharField(_("新状态"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"))
    reason = models.TextField(_("说明"), blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.from_state}→{self.to_state}"


@dataclass(frozen=True)
class Move:
    name: str
    sources: tuple[str, ...]
    target: str
    label: str
    permission: str = ""


@dataclass
class Workflow:
    """The declaration of one model's states and moves.

    `error_field` is the key of the ValidationError's field → message map (the form field a
    page shows the refusal beside); `conflict_message` is shown when another request moved
    the row first."""

    key: str
    model: type[models.Model]
    log_model: type[TransitionLog]
    log_subject: str
    states: type[models.TextChoices]
    moves: Iterable[Move]
    state_field: str = "state"
    error_field: str = "state"
    conflict_message: Any = _("该记录刚被他人办理，请刷新后重试。")
    by_name: dict[str, Move] = field(init=False)

    def __post_init__(self) -> None:
        self.moves = tuple(self.moves)
        self.by_name = {m.name: m for m in self.moves}
        valid = set(self.states.values) | {START}
        for m in self.moves:
            if m.target not in valid or not set(m.sources) <= valid:
                raise ValueError(f"{self.key}: move {m.name} names an undeclared state")

    def step(self, name: str) -> Move:
        return self.by_name[name]

    def allowed(self, source: str) -> list[Move]:
        """The moves declared from `source`, in declaration order."""
        return [m for m in self.moves if source in m.sources]

    def targets(self, source: str) -> list[str]:
        seen: list[str] = []
        for m in self.allowed(source):
            if m.target not in seen:
                seen.append(m.target)
        return seen

    def can(self, source: str, target: str) -> bool:
        return target in self.targets(source)

    def find(self, source: str, *, name: str | None = None, to: str | None = None) -> Move:
        """The declared move named `name` (or the first leading to `to`) from `source`;
        a ValidationError when there is none."""
        for m in self.allowed(source):
            if (name is None or m.name == name) and (to is None or m.target == to):
                return m
        raise ValidationError({self.error_field: self.refusal(source, name=name, to=to)})

    def label_of(self, state: str) -> str:
        if state in self.states.values:
            return str(self.states(state).label)
        return state or gettext("（新建）")

    def refusal(self, source: str, *, name: str | None = None, to: str | None = None) -> str:
        if name is not None and name in self.by_name:
            return gettext("当前状态“%(s)s”不能执行“%(t)s”。") % {
                "s": self.label_of(source),
                "t": gettext(self.by_name[name].label),
            }
        return gettext("不能从“%(a)s”变为“%(b)s”。") % {
            "a": self.label_of(source),
            "b": self.label_of(to or ""),
        }

    def _log_row(self, subject_id, m: Move, source: str, *, actor, reason, at, log_extra):
        return self.log_model(
            **{f"{self.log_subject}_id": subject_id},
            name=m.name,
            from_state=source,
            to_state=m.target,
            actor=actor if getattr(actor, "pk", None) else None,
            at=at,
            reason=reason,
            **(log_extra or {}),
        )


def move(
    *,
    workflow: Workflow,
    obj: models.Model,
    name: str | None = None,
    to: str | None = None,
    actor,
    reason: str = "",
    extra_updates: dict[str, Any] | None = None,
    log_extra: dict[str, Any] | None = None,
) -> TransitionLog:
    """Move `obj` by the declared move `name` (or to the state `to`).

    One conditional UPDATE of the state (and `extra_updates`) on the state held by `obj`,
    then one log row; `obj` is updated in memory. The caller holds the transaction."""
    source = getattr(obj, workflow.state_field)
    m = workflow.find(source, name=name, to=to)
    fields = {workflow.state_field: m.target, **(extra_updates or {})}
    updated = workflow.model._default_manager.filter(
        pk=obj.pk, **{workflow.state_field: source}
    ).update(**fields)
    if updated != 1:
        raise ValidationError({workflow.error_field: gettext(workflow.conflict_message)})
    for k, v in fields.items():
        setattr(obj, k, v)
    row = workflow._log_row(
        obj.pk, m, source, actor=actor, reason=reason, at=timezone.now(), log_extra=log_extra
    )
    row.save(force_insert=True)
    return row


def start(
    *,
    workflow: Workflow,
    obj: models.Model,
    name: str,
    actor,
    reason: str = "",
    log_extra: dict[str, Any] | None = None,
) -> TransitionLog:
    """Log the creating move of a row just inserted in the move's target state."""
    m = workflow.step(name)
    state = getattr(obj, workflow.state_field)
    if START not in m.sources or state != m.target:
        raise ValueError(f"{workflow.key}: {name} does not create a row in state {state!r}")
    row = workflow._log_row(
        obj.pk, m, START, actor=actor, reason=reason, at=timezone.now(), log_extra=log_extra
    )
    row.save(force_insert=True)
    return row


def move_many(
    *,
    workflow: Workflow,
    queryset: models.QuerySet,
    name: str,
    actor,
    reason: str = "",
    extra_updates: dict[str, Any] | None = None,
    log_extra: dict[str, Any] | None = None,
) -> list:
    """Move every row of `queryset` that is in one of the move's sources; rows in other
    states are left alone. Returns the moved primary keys.

    The rows are locked in primary-key order (select_for_update) before the UPDATE, so the
    log names exactly the rows moved and their real source state. The caller holds the
    transaction."""
    m = workflow.step(name)
    sf = workflow.state_field
    rows = list(
        queryset.filter(**{f"{sf}__in": [s for s in m.sources if s != START]})
        .select_for_update()
        .order_by("pk")
        .values_list("pk", sf)
    )
    if not rows:
        return []
    by_source: dict[str, list] = {}
    for pk, source in rows:
        by_source.setdefault(source, []).append(pk)
    fields = {sf: m.target, **(extra_updates or {})}
    at = timezone.now()
    logs, moved = [], []
    for source, pks in by_source.items():
        workflow.model._default_manager.filter(pk__in=pks, **{sf: source}).update(**fields)
        moved += pks
        logs += [
            workflow._log_row(pk, m, source, actor=actor, reason=reason, at=at, log_extra=log_extra)
            for pk in pks
        ]
    workflow.log_model._default_manager.bulk_create(logs, batch_size=2000)
    return sorted(moved)
