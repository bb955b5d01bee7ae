import pytest
from django.contrib.auth.models import AnonymousUser

from minzheng.core.models import Division, User
from minzheng.core.scope import (
    code_in_scope,
    division_prefix_of,
    prefix_range,
    scope_queryset,
    user_prefix,
)


def test_prefix_of_each_level():
    assert division_prefix_of("440605000000") == "440605"
    assert division_prefix_of("440605011000") == "440605011"
    assert division_prefix_of("440605011001") == "440605011001"
    assert prefix_range("440605011") == ("440605011000", "440605011999")


@pytest.mark.django_db
def test_user_prefix_by_division_and_kind(guicheng_worker, leader, admin_user):
    assert user_prefix(guicheng_worker) == "440605011"
    assert user_prefix(leader) == "440605"
    assert user_prefix(admin_user) == ""
    assert user_prefix(AnonymousUser()) is None
    resident = User.objects.create_user(
        username="r-1", kind=User.Kind.RESIDENT, division_id="440605011000"
    )
    assert user_prefix(resident) is None  # residents never see staff data, whatever their row says


@pytest.mark.django_db
def test_scope_queryset_narrows_divisions_by_code_range(guicheng_worker, jiujiang_worker):
    Division.scope_field = "code"  # Division itself placed by its own code, for this test only
    try:
        guicheng = set(
            scope_queryset(Division.objects.all(), guicheng_worker).values_list("code", flat=True)
        )
    finally:
        del Division.scope_field
    assert "440605011001" in guicheng
    assert all(code.startswith("440605011") for code in guicheng)
    assert len(guicheng) == Division.objects.filter(code__startswith="440605011").count()
    assert code_in_scope(jiujiang_worker, "440605121201") is True
    assert code_in_scope(jiujiang_worker, "440605011001") is False


@pytest.mark.django_db
def test_divisions_loaded_from_fixture():
    assert Division.objects.filter(level="town").count() == 7
    assert Division.objects.filter(level="community").count() == 307
    assert Division.objects.get(code="440605011000").name == "桂城街道"
    assert Division.objects.get(code="440605121000").parent_id == "440605000000"


@pytest.mark.django_db
def test_modules_grant_permissions_to_existing_roles():
    from django.contrib.auth.models import Group

    from minzheng.core import roles

    roles.sync_roles()
    officer = set(
        Group.objects.get(name=roles.DISTRICT_OFFICER).permissions.values_list(
            "codename", flat=True
        )
    )
    assert {"dispatch_activity", "add_journalentry", "reveal_personal_data"} <= officer
    leader = Group.objects.get(name=roles.LEADER).permissions
    writes = ("add_", "change_", "delete_", "reveal_", "import_", "reverse_")
    assert [p.codename for p in leader.all() if p.codename.startswith(writes)] == []
    assert leader.filter(content_type__app_label="rescue").exists()
