"""Registry demo step: about 2,000 persons in households over every town, with tags."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction

from minzheng.core.models import Division, User

from . import pii, validators
from .models import Household, HouseholdMember, Person, PersonTag
from .names import random_name
from .services import PersonInput, person_build

HOUSEHOLDS = 700
SEED = 20210601


def id_prefix_for(birth: dt.date) -> str:
    """Nanhai's address code in force when the number was first issued (see DESIGN data notes)."""
    if birth.year >= 2002:
        return "440605"
    if birth.year >= 1992:
        return "440682"
    return "440622"


def make_id_number(rng: random.Random, birth: dt.date, sex: str) -> str:
    seq = rng.randrange(0, 500) * 2 + (1 if sex == "M" else 0)
    first17 = f"{id_prefix_for(birth)}{birth:%Y%m%d}{seq:03d}"
    return first17 + validators.check_character(first17)


def make_phone(rng: random.Random) -> str:
    return (
        rng.choice(["138", "139", "135", "136", "137", "150", "151", "186", "188", "189", "199"])
        + f"{rng.randrange(10**8):08d}"
    )


def _birth(rng: random.Random, min_age: int, max_age: int, today: dt.date) -> dt.date:
    return today - dt.timedelta(days=rng.randint(min_age * 365 + 1, max_age * 365))


def run(*, stdout, password: str) -> str:
    rng = random.Random(SEED)
    today = dt.date(2026, 6, 1)
    communities = list(
        Division.objects.filter(level="community").order_by("code").values_list("code", flat=True)
    )
    codes = set(Division.objects.values_list("code", flat=True))
    actor = User.objects.get(username="admin")
    created = 0
    with transaction.atomic():
        for n in range(HOUSEHOLDS):
            number = f"NH{n + 1:06d}"
            community = communities[n % len(communities)]
            size = rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5])
            members = [("head", rng.choice("MF"), _birth(rng, 30, 88, today))]
            if size >= 2:
                head_sex = members[0][1]
                members.append(
                    ("spouse", "F" if head_sex == "M" else "M", _birth(rng, 28, 86, today))
                )
            for _ in range(size - len(members)):
                members.append(
                    (
                        "child" if rng.random() < 0.8 else "parent",
                        rng.choice("MF"),
                        _birth(rng, 1, 40, today),
                    )
                )
            household = Household.objects.filter(number=number).first()
            if household is not None:
                continue  # already made by an earlier run: the step is idempotent
            people = []
            for relation, sex, birth in members:
                id_number = make_id_number(rng, birth, sex)
                data = PersonInput(
                    name=random_name(rng, sex),
                    id_number=id_number,
                    phone=make_phone(rng) if rng.random() < 0.85 else "",
                    residence_division_code=community,
                    hukou_division_code=community
                    if rng.random() < 0.8
                    else rng.choice(communities),
                    address=f"{rng.randint(1, 200)}号{rng.randint(1, 30)}座{rng.randint(101, 1805)}房",
                )
                person, errors = person_build(data, division_codes=codes)
                if (
                    errors
                    or Person.objects.filter(
                        id_number_hash=pii.blind_index(person.id_number, kind="id")
                    ).exists()
                ):
                    continue
                person.created_by = actor
                person.save()
                people.append((relation, person))
                created += 1
            if not people or people[0][0] != "head":
                continue
            household = Household.objects.create(
                number=number, division_id=community, address=people[0][1].address
            )
            for relation, person in people:
                HouseholdMember.objects.create(
                    household=household,
                    person=person,
                    relation=relation,
                    joined_on=dt.date(2015, 1, 1),
                )
            head = people[0][1]
            roll = rng.random()
            if roll < 0.06:
                PersonTag.objects.create(person=head, tag="dibao", valid_from=dt.date(2025, 1, 1))
            elif roll < 0.09:
                PersonTag.objects.create(person=head, tag="dibian", valid_from=dt.date(2025, 1, 1))
            elif roll < 0.11:
                PersonTag.objects.create(person=head, tag="tekun", valid_from=dt.date(2024, 7, 1))
            if rng.random() < 0.05:
                PersonTag.objects.create(
                    person=people[-1][1],
                    tag="disabled",
                    valid_from=dt.date(2020, 3, 1),
                    certificate_no=f"{people[-1][1].pk:08d}{rng.randint(10, 99)}",
                    disability_category=rng.choice(PersonTag.DisabilityCategory.values),
                    disability_level=rng.randint(1, 4),
                )
    return f"{created} persons added ({Person.objects.count()} in all, {Household.objects.count()} households)."
