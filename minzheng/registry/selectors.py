"""Reads of the registry, always narrowed by core.scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from minzheng.core.scope import division_prefix_of, get_in_scope_or_404, prefix_q, scope_queryset

from . import pii, validators
from .models import Household, HouseholdMember, Organisation, Person, PersonTag
from .rules import birth_date_bounds_for_age


@dataclass
class PersonFilters:
    q: str = ""  # a name (prefix), or an exact ID number or phone
    sex: str = ""
    division: str = ""  # division code; narrows within the user's scope
    tag: str = ""  # a PersonTag.Tag, or elderly_60 / elderly_80
    age_min: int | None = None
    age_max: int | None = None
    include_void: bool = False


def _search_condition(q: str) -> Q:
    """An ID number or a phone is matched exactly through its keyed hash; anything else
    is a name prefix. Plaintext never reaches the database."""
    q = q.strip()
    if not q:
        return Q()
    digits = q.replace(" ", "").replace("-", "")
    if len(digits) in (15, 18) and digits[:-1].isdigit():
        number = validators.normalise_id_number(digits)
        if len(number) == 15:  # a first-generation number: search for its 18-digit form
            try:
                number = validators.upgrade_15_to_18(number)
            except ValidationError:
                return Q(pk__in=[])
        return Q(id_number_hash=pii.blind_index(number, kind="id"))
    if digits.lstrip("+").isdigit() and len(digits) >= 7:
        try:
            return Q(phone_hash=pii.blind_index(validators.validate_phone(q), kind="phone"))
        except ValidationError:
            return Q(pk__in=[])
    return Q(name__startswith=q)


def person_list(
    *, user, filters: PersonFilters | None = None, today: dt.date | None = None
) -> QuerySet[Person]:
    f = filters or PersonFilters()
    today = today or timezone.localdate()
    qs = scope_queryset(Person.objects.all(), user)
    if not f.include_void:
        qs = qs.filter(is_void=False)
    qs = qs.filter(_search_condition(f.q))
    if f.sex:
        qs = qs.filter(sex=f.sex)
    if f.division:
        qs = qs.filter(prefix_q("residence_division", division_prefix_of(f.division)))
    if f.tag in ("elderly_60", "elderly_80"):
        qs = qs.filter(
            birth_date__lte=birth_date_bounds_for_age(60 if f.tag == "elderly_60" else 80, today)
        )
    elif f.tag:
        active = PersonTag.objects.filter(
            person=OuterRef("pk"), tag=f.tag, valid_from__lte=today
        ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        qs = qs.filter(Exists(active))
    if f.age_min is not None:
        qs = qs.filter(birth_date__lte=birth_date_bounds_for_age(f.age_min, today))
    if f.age_max is not None:
        qs = qs.filter(birth_date__gt=birth_date_bounds_for_age(f.age_max + 1, today))
    return pii.without_secrets(qs.select_related("residence_division"))


def person_detail(*, user, person_id: int) -> Person:
    return get_in_scope_or_404(
        Person.objects.select_related("residence_division__parent", "hukou_division", "created_by"),
        user,
        pk=person_id,
    )


def person_by_id_number(number: str, *, user=None) -> Person | None:
    """The live (not voided) person registered with this ID number, found by its keyed
    hash; `number` must be valid (validators.parse_id_number). With `user`, only within
    their scope (a caseworker picking a person); without, for services that match a
    record to the registry on the system's behalf (binding a resident, funeral facts)."""
    persons = Person.objects.filter(
        id_number_hash=pii.blind_index(validators.parse_id_number(number).number, kind="id"),
        is_void=False,
    )
    if user is not None:
        persons = scope_queryset(persons, user)
    return persons.first()


def person_tags(*, person: Person) -> QuerySet[PersonTag]:
    return person.tags.order_by("-valid_from")


def person_households(*, person: Person) -> QuerySet[HouseholdMember]:
    return person.memberships.select_related("household").order_by("-joined_on")


def person_count(user) -> int:
    return scope_queryset(Person.objects.filter(is_void=False), user).count()


def household_list(*, user, q: str = "") -> QuerySet[Household]:
    qs = scope_queryset(Household.objects.all(), user).select_related("division")
    if q:
        qs = qs.filter(
            Q(number__startswith=q)
            | Q(members__person__name__startswith=q, members__relation="head")
        ).distinct()
    return qs


def household_detail(*, user, household_id: int) -> Household:
    return get_in_scope_or_404(Household.objects.select_related("division"), user, pk=household_id)


def household_members(*, household: Household) -> QuerySet[HouseholdMember]:
    return household.members.select_related("person").order_by("left_on", "id")


def household_count(user) -> int:
    return scope_queryset(Household.objects.all(), user).count()


def organisation_list(*, user, q: str = "") -> QuerySet[Organisation]:
    qs = scope_queryset(Organisation.objects.filter(is_void=False), user).select_related("division")
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(credit_code=q.upper()))
    return qs


def organisation_detail(*, user, organisation_id: int) -> Organisation:
    return get_in_scope_or_404(
        Organisation.objects.select_related("division"), user, pk=organisation_id
    )


def organisation_count(user) -> int:
    return scope_queryset(Organisation.objects.filter(is_void=False), user).count()


def names_by_id(*, organisation_ids=(), person_ids=()) -> tuple[dict[int, str], dict[int, str]]:
    """Organisations' and persons' names by primary key (for labels: a ledger line's party),
    no personal data beyond the name."""
    orgs = dict(
        Organisation.objects.filter(pk__in=list(organisation_ids)).values_list("pk", "name")
    )
    persons = dict(Person.objects.filter(pk__in=list(person_ids)).values_list("pk", "name"))
    return orgs, persons
