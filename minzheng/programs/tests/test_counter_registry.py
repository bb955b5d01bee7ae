"""A counter application starts from the registry: the person and household are picked, the
case is linked, and the person's page shows their assistance history."""

from __future__ import annotations

import pytest

from minzheng.programs.models import Application

from .conftest import GUICHENG_COMMUNITY, id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(guicheng_worker):
    from minzheng.registry.tests.factories import person

    number = id_number("19750505")
    p = person(guicheng_worker, name="黄志强", division=GUICHENG_COMMUNITY, id_number=number)
    return p, number


def test_counter_picks_the_person_from_the_registry_and_the_case_is_on_their_page(
    client, funded, town_worker, registered, guicheng_worker
):
    person, number = registered
    client.force_login(town_worker)
    url = "/staff/programs/cases/new/?programme=temporary_assistance"
    page = client.post(url, {"action": "lookup", "lookup_id_number": number}).content.decode()
    assert 'data-testid="picked"' in page and "已从人口库带出：黄志强" in page
    assert f'name="person" value="{person.pk}"' in page
    assert 'value="黄志强"' in page and f'value="{GUICHENG_COMMUNITY}" selected' in page
    assert number not in client.get(url).content.decode()  # nothing of it left in a GET
    client.force_login(guicheng_worker)  # a caseworker who may read the registry too
    home = client.get(f"/staff/persons/{person.pk}/").content.decode()
    assert "救助记录" in home


def test_a_person_picked_for_another_id_number_is_refused_and_nothing_is_written(
    funded, town_worker, registered
):
    from django.core.exceptions import ValidationError

    from minzheng.programs import services

    from .conftest import ta_input

    person, number = registered
    with pytest.raises(ValidationError) as exc:
        services.application_submit(
            actor=town_worker,
            data=ta_input(applicant_id_number=id_number("19800101"), person_id=person.pk),
        )
    assert exc.value.message_dict["applicant_id_number"] == [
        "所选人口库人员的身份证号码与所填不一致，请重新选择。"
    ]
    assert Application.objects.count() == 0
    app = services.application_submit(
        actor=town_worker,
        data=ta_input(applicant_name="黄志强", applicant_id_number=number, person_id=person.pk),
    )
    assert app.person_id == person.pk


def test_the_persons_page_lists_their_applications_in_scope(
    client, funded, town_worker, registered, guicheng_worker, jiujiang_worker
):
    from minzheng.programs import services

    from .conftest import ta_input

    person, number = registered
    app = services.application_submit(
        actor=town_worker,
        data=ta_input(applicant_name="黄志强", applicant_id_number=number, person_id=person.pk),
    )
    client.force_login(guicheng_worker)
    page = client.get(f"/staff/persons/{person.pk}/").content.decode()
    assert app.number in page and f"/staff/programs/cases/{app.pk}/" in page
    client.force_login(jiujiang_worker)  # another town: the person is not found at all
    assert client.get(f"/staff/persons/{person.pk}/").status_code == 404
