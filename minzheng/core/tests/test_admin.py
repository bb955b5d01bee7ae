"""The admin is for master data: only the roles that keep it enter, every admin queryset
goes through core.scope, and no admin page (history included) shows a secret field."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from simple_history.admin import SimpleHistoryAdmin

from minzheng.core import roles
from minzheng.core.admin import ScopedAdminMixin, ScopedHistoryAdmin, secret_field_names
from minzheng.core.scope import scope_queryset
from minzheng.registry.models import Person
from minzheng.registry.tests.factories import id_number, person

OTHER_ROLES = [
    roles.LEADER,
    roles.TOWN_CASEWORKER,
    roles.COMMUNITY_WORKER,
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", OTHER_ROLES)
def test_roles_that_keep_no_master_data_are_sent_to_the_admin_login(client, make_staff, role):
    user = make_staff(f"u-{abs(hash(role))}", role, "440605011000")
    assert user.is_staff
    client.force_login(user)
    for url in ("/admin/", "/admin/core/user/", "/admin/programs/programme/"):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    # and the workbench does not offer the link
    assert "主数据管理" not in client.get("/staff/").content.decode()


@pytest.mark.django_db
def test_module_roles_cannot_enter_the_admin(client, make_staff):
    from django.contrib.auth.models import Group

    roles.sync_roles()
    for group in Group.objects.exclude(name__in=[roles.SYSTEM_ADMIN, roles.DISTRICT_OFFICER]):
        assert not group.permissions.filter(codename="use_admin").exists(), group.name


@pytest.mark.django_db
def test_district_officer_and_administrator_enter(client, district_officer, admin_user):
    for user in (district_officer, admin_user):
        client.force_login(user)
        assert client.get("/admin/").status_code == 200
        assert client.get("/admin/core/policyparameter/").status_code == 200


def test_every_admin_goes_through_the_scope_mixin():
    unscoped = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, ScopedAdminMixin)
    ]
    assert unscoped == []


def test_workbench_records_and_credentials_are_not_in_the_admin():
    labels = {model._meta.label for model in admin.site._registry}
    for label in (
        "registry.Person",
        "registry.Household",
        "portal.ResidentProfile",
        "programs.Application",
        "funeral.ServiceRecord",
        "qingming.Reservation",
        "authtoken.TokenProxy",
    ):
        assert label not in labels


@pytest.mark.django_db
def test_every_admin_queryset_is_the_scope_functions(make_staff):
    # A town-level user who could enter the admin still sees only their town: each admin's
    # queryset is exactly core.scope's narrowing of the model's rows.
    worker = make_staff("town-keeper", roles.TOWN_CASEWORKER, "440605011000")
    request = RequestFactory().get("/admin/")
    request.user = worker
    for model, model_admin in admin.site._registry.items():
        got = model_admin.get_queryset(request)
        if model_admin.__class__.__name__ == "JobAdmin":
            continue  # additionally narrowed to the user's own jobs
        expected = scope_queryset(model._default_manager.all(), worker)
        assert _sql(got) == _sql(expected), model._meta.label


def _sql(qs) -> str:
    # The rows a queryset selects, whatever its ordering and joins for display.
    return "nothing" if qs.query.is_empty() else str(qs.order_by().values("pk").query)


@pytest.mark.django_db
def test_district_wide_master_data_is_hidden_from_town_scope(make_staff):
    from minzheng.programs.models import Programme

    worker = make_staff("town-keeper", roles.TOWN_CASEWORKER, "440605011000")
    officer = make_staff("officer", roles.DISTRICT_OFFICER)
    assert Programme._meta.label and not hasattr(Programme, "scope_field")
    assert scope_queryset(Programme.objects.all(), worker).query.is_empty()
    assert not scope_queryset(Programme.objects.all(), officer).query.is_empty()


def test_secret_fields_are_the_encrypted_columns_and_their_hashes():
    assert secret_field_names(Person) == {"id_number", "id_number_hash", "phone", "phone_hash"}


@pytest.mark.django_db
def test_history_page_never_shows_encrypted_values(admin_user, make_staff):
    from minzheng.registry.services import PersonInput, person_update

    worker = make_staff("gw", roles.TOWN_CASEWORKER, "440605011000")
    old_id, new_id = id_number(), id_number()
    p = person(worker, id_number=old_id, phone="13900001111")
    person_update(
        actor=worker,
        person=p,
        data=PersonInput(
            name=p.name,
            residence_division_code="440605011001",
            id_number=new_id,
            phone="13900002222",
        ),
    )
    # The history page lists each version with its changes from the one before; the
    # changes are computed by the mixin, which leaves secret fields out.
    request = RequestFactory().get(f"/admin/registry/person/{p.pk}/history/")
    request.user = admin_user

    def changes(admin_class) -> str:
        records = list(p.history.order_by("-history_date"))
        admin_class(Person, admin.site).set_history_delta_changes(request, records)
        return repr([getattr(r, "history_delta_changes", None) for r in records])

    assert new_id in changes(SimpleHistoryAdmin)  # what simple_history alone would show
    for secret in (old_id, new_id, "13900001111", "13900002222"):
        assert secret not in changes(ScopedHistoryAdmin)


@pytest.mark.django_db
def test_history_of_an_out_of_scope_record_is_404(make_staff):
    from django.http import Http404

    worker = make_staff("gw", roles.TOWN_CASEWORKER, "440605011000")
    jiujiang = make_staff("jw", roles.TOWN_CASEWORKER, "440605121000")
    p = person(jiujiang, name="关九江", division="440605121201")
    model_admin = ScopedHistoryAdmin(Person, admin.site)
    request = RequestFactory().get("/")
    request.user = worker
    version = p.history.latest().history_id
    with pytest.raises(Http404):
        model_admin.history_view(request, str(p.pk))
    with pytest.raises(Http404):
        model_admin.history_form_view(request, str(p.pk), str(version))


@pytest.mark.django_db
def test_admin_lists_speak_chinese_in_their_search_box(client, admin_user):
    client.force_login(admin_user)
    page = client.get("/admin/programs/programme/").content.decode()
    assert 'placeholder="输入名称或编号查找"' in page and "Type to search" not in page


@pytest.mark.django_db
def test_json_in_the_admin_reads_as_chinese(client, admin_user):
    from minzheng.core.models import Job, OperationLog

    log = OperationLog.objects.create(
        username="x", action="export", summary="导出", detail={"filters": {"姓名": "陈"}}
    )
    job = Job.objects.create(kind="k", created_by=admin_user, result={"message": "已完成"})
    client.force_login(admin_user)
    for url in (f"/admin/core/operationlog/{log.pk}/change/", f"/admin/core/job/{job.pk}/change/"):
        html = client.get(url).content.decode()
        assert "\\u" not in html
    assert "姓名" in client.get(f"/admin/core/operationlog/{log.pk}/change/").content.decode()
