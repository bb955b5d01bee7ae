import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from minzheng.core.models import OperationLog
from minzheng.registry import pii, rotation
from minzheng.registry.models import Household, HouseholdMember, Person, PersonTag
from minzheng.registry.services import (
    PersonInput,
    household_add_member,
    household_create,
    organisation_register,
    person_register,
    person_reveal,
    person_tag_add,
    person_update,
    person_void,
)

from .factories import id_number, person

ID = "440605199001011236"


@pytest.mark.django_db
def test_register_derives_sex_and_birth_and_stores_masked_and_hashed(guicheng_worker):
    p = person(guicheng_worker, id_number=ID, phone="138 1234 5678")
    p.refresh_from_db()
    assert (p.sex, p.birth_date) == ("M", dt.date(1990, 1, 1))
    assert (p.id_number, p.phone) == (ID, "13812345678")
    assert (p.id_number_masked, p.phone_masked) == ("4406**********1236", "138****5678")
    assert p.id_number_hash == pii.blind_index(ID, kind="id")
    assert (
        OperationLog.objects.filter(
            action="create", target_id=str(p.pk), username="guicheng_worker"
        ).count()
        == 1
    )
    assert p.history.count() == 1


@pytest.mark.django_db
def test_no_plaintext_id_or_phone_in_any_table(guicheng_worker):
    p = person(guicheng_worker, id_number=ID, phone="13812345678")
    person_update(
        actor=guicheng_worker,
        person=p,
        data=PersonInput(
            name="陈大文", residence_division_code="440605011001", address="桂澜路 1 号"
        ),
    )
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            dump = repr(cursor.fetchall())
            assert ID not in dump and "13812345678" not in dump and "0101123" not in dump, table


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"id_number": "440605199001011235"}, "id_number", "校验位不正确"),
        ({"id_number": "440605199002301236"}, "id_number", "出生日期"),
        ({"id_number": "44060519900101123"}, "id_number", "18 位"),
        ({"phone": "1381234567"}, "phone", ""),
        ({"name": ""}, "name", "请填写姓名"),
        ({"residence_division_code": "440605999999"}, "residence_division", "不存在"),
        ({"id_number": ID, "sex": "F"}, "sex", "性别与身份证号码不一致"),
    ],
)
def test_bad_input_gets_a_clear_message_and_writes_nothing(guicheng_worker, data, field, message):
    base = {"name": "陈大文", "residence_division_code": "440605011001"}
    with pytest.raises(ValidationError) as exc:
        person_register(actor=guicheng_worker, data=PersonInput(**{**base, **data}))
    assert message in exc.value.message_dict[field][0]
    assert Person.objects.count() == 0
    assert OperationLog.objects.filter(action="create").count() == 0


@pytest.mark.django_db
def test_second_registration_names_the_existing_record_when_visible(
    guicheng_worker, jiujiang_worker
):
    first = person(guicheng_worker, id_number=ID)
    with pytest.raises(ValidationError) as exc:
        person(guicheng_worker, name="陈大文", id_number=ID, division="440605011004")
    message = exc.value.message_dict["id_number"][0]
    assert f"已登记：陈大文（桂城街道 桂一社区居委会，人员编号 {first.pk}）" in message
    # a worker of another town learns only that it exists elsewhere
    with pytest.raises(ValidationError) as exc:
        person(jiujiang_worker, id_number=ID, division="440605121201")
    message = exc.value.message_dict["id_number"][0]
    assert "其他镇街" in message and "陈大文" not in message and "桂城" not in message
    assert Person.objects.count() == 1


@pytest.mark.django_db
def test_register_outside_own_town_refused(guicheng_worker):
    with pytest.raises(ValidationError) as exc:
        person(guicheng_worker, division="440605121201")
    assert "管辖范围" in exc.value.message_dict["residence_division"][0]
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_leader_reads_but_cannot_write(leader, guicheng_worker):
    p = person(guicheng_worker)
    with pytest.raises(PermissionDenied):
        person(leader, id_number=id_number())
    with pytest.raises(PermissionDenied):
        person_update(
            actor=leader,
            person=p,
            data=PersonInput(name="改名", residence_division_code="440605011001"),
        )
    with pytest.raises(PermissionDenied):
        person_reveal(actor=leader, person=p)
    assert Person.objects.get().name == "陈大文"


@pytest.mark.django_db
def test_reveal_returns_plaintext_and_is_logged(guicheng_worker):
    p = person(guicheng_worker, id_number=ID, phone="13812345678")
    assert person_reveal(actor=guicheng_worker, person=p) == {
        "id_number": ID,
        "phone": "13812345678",
    }
    log = OperationLog.objects.get(action="reveal")
    assert (log.username, log.target_type, log.target_id) == (
        "guicheng_worker",
        "registry.person",
        str(p.pk),
    )


@pytest.mark.django_db
def test_void_keeps_the_record_and_frees_the_number(guicheng_worker):
    p = person(guicheng_worker, id_number=ID)
    with pytest.raises(ValidationError):
        person_void(actor=guicheng_worker, person=p, reason=" ")
    person_void(actor=guicheng_worker, person=p, reason="重复登记")
    p.refresh_from_db()
    assert p.is_void and p.void_reason == "重复登记" and p.id_number == ID
    assert person(guicheng_worker, id_number=ID).pk != p.pk
    assert Person.objects.count() == 2


@pytest.mark.django_db
def test_disability_tag_needs_certificate_category_and_level(guicheng_worker):
    p = person(guicheng_worker)
    with pytest.raises(ValidationError) as exc:
        person_tag_add(
            actor=guicheng_worker,
            person=p,
            tag="disabled",
            valid_from=dt.date(2024, 1, 1),
            disability_level=5,
        )
    assert set(exc.value.message_dict) == {
        "certificate_no",
        "disability_category",
        "disability_level",
    }
    assert PersonTag.objects.count() == 0
    tag = person_tag_add(
        actor=guicheng_worker,
        person=p,
        tag="disabled",
        valid_from=dt.date(2024, 1, 1),
        certificate_no="44060519900101123642",
        disability_category="physical",
        disability_level=2,
    )
    assert tag.get_disability_level_display() == "二级"


@pytest.mark.django_db
def test_household_one_head_and_one_current_household_per_person(guicheng_worker):
    head, spouse = person(guicheng_worker, name="梁志强"), person(guicheng_worker, name="何丽芳")
    h = household_create(
        actor=guicheng_worker, number="NH-1", division_code="440605011001", head=head
    )
    household_add_member(actor=guicheng_worker, household=h, person=spouse, relation="spouse")
    with pytest.raises(ValidationError) as exc:
        household_add_member(actor=guicheng_worker, household=h, person=spouse, relation="spouse")
    assert "已是某户的成员" in exc.value.message_dict["person"][0]
    with pytest.raises(ValidationError) as exc:
        household_create(
            actor=guicheng_worker, number="NH-2", division_code="440605011001", head=spouse
        )
    assert "head" in exc.value.message_dict
    assert (Household.objects.count(), HouseholdMember.objects.count()) == (1, 2)


@pytest.mark.django_db
def test_organisation_credit_code_letter_led_is_valid(district_officer):
    from minzheng.registry.validators import uscc_check_character

    code17 = "Y1440605MJ0000017"  # letter-led: registered by a non-company authority
    code = code17 + uscc_check_character(code17)
    org = organisation_register(
        actor=district_officer,
        name="南海区慈善会",
        kind="social_org",
        division_code="440605000000",
        credit_code=code,
    )
    assert org.credit_code == code
    with pytest.raises(ValidationError) as exc:
        organisation_register(
            actor=district_officer,
            name="错码",
            kind="other",
            division_code="440605000000",
            credit_code=code[:-1] + ("0" if code[-1] != "0" else "1"),
        )
    assert "credit_code" in exc.value.message_dict


@pytest.mark.django_db
def test_key_rotation_reencrypts_without_loss(guicheng_worker, settings):
    p = person(guicheng_worker, id_number=ID, phone="13812345678")
    old_keys = list(settings.FIELD_KEYS)
    settings.FIELD_KEYS = ["k2:" + "bmV3LWtleS1mb3ItbWluemhlbmctcm90YXRpb24tMzI="] + old_keys
    assert rotation.tokens_on_old_keys() != {}
    rotation.rotate()
    assert rotation.tokens_on_old_keys() == {}
    settings.FIELD_KEYS = settings.FIELD_KEYS[:1]  # the old key can now be dropped
    p = Person.objects.get(pk=p.pk)
    assert (p.id_number, p.phone) == (ID, "13812345678")
    assert p.history.latest().id_number == ID


@pytest.mark.django_db
def test_blind_index_rotation_keeps_search_working(guicheng_worker, settings):
    from minzheng.registry.selectors import PersonFilters, person_list

    p = person(guicheng_worker, id_number=ID, phone="13812345678")
    settings.BLIND_INDEX_KEY = "a-new-blind-index-key"
    assert list(person_list(user=guicheng_worker, filters=PersonFilters(q=ID))) == []
    rotation.rotate(reindex=True)
    assert list(person_list(user=guicheng_worker, filters=PersonFilters(q=ID))) == [p]
    assert list(person_list(user=guicheng_worker, filters=PersonFilters(q="13812345678"))) == [p]


@pytest.mark.django_db
def test_member_leaves_through_the_page_and_the_row_stays(client, guicheng_worker):
    head, child = person(guicheng_worker, name="梁志强"), person(guicheng_worker, name="梁小明")
    h = household_create(
        actor=guicheng_worker, number="NH-9", division_code="440605011001", head=head
    )
    member = household_add_member(
        actor=guicheng_worker, household=h, person=child, relation="child"
    )
    client.force_login(guicheng_worker)
    response = client.post(f"/staff/households/{h.pk}/members/{member.pk}/leave/")
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.left_on is not None and HouseholdMember.objects.count() == 2
    head_member = h.members.get(relation="head")
    client.post(f"/staff/households/{h.pk}/members/{head_member.pk}/leave/")
    head_member.refresh_from_db()
    assert head_member.left_on is None  # the head cannot simply leave


@pytest.mark.django_db
def test_update_keeps_stored_id_and_phone_when_left_blank_and_checks_the_rest(guicheng_worker):
    p = person(guicheng_worker, id_number=ID, phone="13812345678")
    person_update(
        actor=guicheng_worker,
        person=p,
        data=PersonInput(name="陈大文", residence_division_code="440605011004"),
        deceased_date=dt.date(2026, 1, 2),
    )
    p.refresh_from_db()
    assert (p.id_number, p.phone, p.sex, p.birth_date) == (
        ID,
        "13812345678",
        "M",
        dt.date(1990, 1, 1),
    )
    assert (p.residence_division_id, p.deceased_date) == ("440605011004", dt.date(2026, 1, 2))
    with pytest.raises(ValidationError) as exc:
        person_update(
            actor=guicheng_worker,
            person=p,
            data=PersonInput(name="陈大文", residence_division_code="440605011004"),
            deceased_date=dt.date(1980, 1, 1),
        )
    assert "deceased_date" in exc.value.message_dict
    other = person(guicheng_worker, name="李四", id_number=id_number())
    with pytest.raises(ValidationError) as exc:
        person_update(
            actor=guicheng_worker,
            person=other,
            data=PersonInput(name="李四", id_number=ID, residence_division_code="440605011001"),
        )
    assert "已登记" in exc.value.message_dict["id_number"][0]
    assert p.history.count() == 2
