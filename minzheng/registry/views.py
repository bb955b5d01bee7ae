"""Staff pages of the registry. Thin: parse, call a selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.core.forms_util import add_service_errors, form_error_text, join_messages
from minzheng.core.models import Attachment
from minzheng.core.navigation import person_panels_for
from minzheng.core.selectors import all_division_choices, division_choices
from minzheng.core.services import attachment_add
from minzheng.core.views import staff_required

from . import exports, imports, selectors, services
from .forms import (
    AttachmentForm,
    HouseholdForm,
    ImportForm,
    MemberForm,
    OrganisationForm,
    PersonEditForm,
    PersonForm,
    PersonSearchForm,
    TagForm,
    VoidForm,
)
from .rules import DERIVED_TAGS, derived_tags


def _person_input(data: dict) -> services.PersonInput:
    return services.PersonInput(
        name=data["name"],
        id_number=data.get("id_number", ""),
        phone=data.get("phone", ""),
        sex=data.get("sex", ""),
        birth_date=data.get("birth_date"),
        hukou_division_code=data.get("hukou_division", ""),
        residence_division_code=data["residence_division"],
        address=data.get("address", ""),
    )


def _filters(form: PersonSearchForm) -> selectors.PersonFilters:
    data = form.cleaned_data if form.is_valid() else {}
    return selectors.PersonFilters(
        q=data.get("q", ""),
        sex=data.get("sex", ""),
        division=data.get("division", ""),
        tag=data.get("tag", ""),
    )


@staff_required
@permission_required("registry.view_person", raise_exception=True)
def person_list(request):
    form = PersonSearchForm(request.GET or None, divisions=division_choices(user=request.user))
    qs = selectors.person_list(user=request.user, filters=_filters(form))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "registry/person_list.html", {"form": form, "page": page})


@staff_required
@permission_required("registry.export_persons", raise_exception=True)
def person_export(request):
    form = PersonSearchForm(request.GET or None, divisions=division_choices(user=request.user))
    filters = _filters(form)
    content = exports.persons_export_xlsx(
        actor=request.user,
        queryset=selectors.person_list(user=request.user, filters=filters),
        filters=filters.__dict__,
    )
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="persons-{timezone.localdate():%Y%m%d}.xlsx"'
    )
    return response


@staff_required
@permission_required("registry.add_person", raise_exception=True)
def person_create(request):
    choices = division_choices(user=request.user, levels=("community",))
    form = PersonForm(request.POST or None, divisions=choices, all_divisions=all_division_choices())
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_register(
                actor=request.user, data=_person_input(form.cleaned_data)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已登记 %(name)s。") % {"name": person.name})
            return redirect("registry:person_detail", person_id=person.pk)
    return render(request, "registry/person_form.html", {"form": form, "title": _("登记人员")})


@staff_required
@permission_required("registry.view_person", raise_exception=True)
def person_detail(request, person_id: int):
    person = selectors.person_detail(user=request.user, person_id=person_id)
    today = timezone.localdate()
    return render(
        request,
        "registry/person_detail.html",
        {
            "person": person,
            "age": person.age_on(today),
            "derived": [DERIVED_TAGS[t] for t in derived_tags(person.birth_date, today)],
            "tags": selectors.person_tags(person=person),
            "memberships": selectors.person_households(person=person),
            "attachments": Attachment.objects.filter(
                content_type__app_label="registry",
                content_type__model="person",
                object_id=str(person.pk),
                is_void=False,
            ),
            "history": person.history.select_related("history_user").order_by("-history_date")[:20],
            "panels": person_panels_for(request.user, person),
            "tag_form": TagForm(),
            "void_form": VoidForm(),
            "attachment_form": AttachmentForm(),
        },
    )


@staff_required
@permission_required("registry.change_person", raise_exception=True)
def person_edit(request, person_id: int):
    person = selectors.person_detail(user=request.user, person_id=person_id)
    choices = division_choices(user=request.user, levels=("community",))
    initial = {
        "name": person.name,
        "sex": person.sex,
        # With an ID number the birth date is the number's (the service derives it); the
        # form never pre-fills it beside the masked number (see core's masking rule).
        "birth_date": None if person.id_number_masked else person.birth_date,
        "residence_division": person.residence_division_id,
        "hukou_division": person.hukou_division_id or "",
        "address": person.address,
        "deceased_date": person.deceased_date,
    }
    form = PersonEditForm(
        request.POST or None,
        initial=initial,
        divisions=choices,
        all_divisions=all_division_choices(),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(
                actor=request.user,
                person=person,
                data=_person_input(form.cleaned_data),
                deceased_date=form.cleaned_data.get("deceased_date"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("registry:person_detail", person_id=person.pk)
    return render(
        request,
        "registry/person_form.html",
        {"form": form, "title": _("修改人员信息"), "person": person},
    )


@staff_required
@require_POST
def person_reveal(request, person_id: int):
    person = selectors.person_detail(user=request.user, person_id=person_id)
    values = services.person_reveal(actor=request.user, person=person)
    return render(request, "registry/_revealed.html", {"values": values})


@staff_required
@require_POST
def person_void(request, person_id: int):
    person = selectors.person_detail(user=request.user, person_id=person_id)
    form = VoidForm(request.POST)
    try:
        services.person_void(actor=request.user, person=person, reason=form.data.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, join_messages(exc.messages))
    else:
        messages.success(request, _("已作废该记录（保留历史，不会删除）。"))
    return redirect("registry:person_detail", person_id=person.pk)


@staff_required
@require_POST
def person_tag_add(request, person_id: int):
    person = selectors.person_detail(user=request.user, person_id=person_id)
    form = TagForm(request.POST)
    if form.is_valid():
        try:
            services.person_tag_add(actor=request.user, person=person, **form.cleaned_data)
            messages.success(request, _("已添加标签。"))
        except ValidationError as exc:
            messages.error(request, join_messages(exc.messages))
    else:
        messages.error(request, form_error_text(form))
    return redirect("registry:person_detail", person_id=person.pk)


@staff_required
@require_POST
def person_attachment_add(request, person_id: int):
    person = selectors.person_detail(user=request.user, person_id=person_id)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment_add(
                actor=request.user,
                owner=person,
                upload=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
            )
            messages.success(request, _("材料已上传。"))
        except ValidationError as exc:
            messages.error(request, join_messages(exc.messages))
    else:
        messages.error(request, form_error_text(form))
    return redirect("registry:person_detail", person_id=person.pk)


@staff_required
@permission_required("registry.import_persons", raise_exception=True)
def person_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = imports.persons_import_start(
                actor=request.user, filename=upload.name, content=upload.read()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("core:job", job_id=job.pk)
    return render(request, "registry/import.html", {"form": form})


@staff_required
@permission_required("registry.import_persons", raise_exception=True)
def person_import_template(request, fmt: str):
    if fmt == "csv":
        response = HttpResponse(
            imports.import_template_csv(), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="person-import-template.csv"'
    else:
        response = HttpResponse(
            imports.import_template_xlsx(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="person-import-template.xlsx"'
    return response


# ---------------------------------------------------------------- households


@staff_required
@permission_required("registry.view_household", raise_exception=True)
def household_list(request):
    q = request.GET.get("q", "").strip()
    page = Paginator(selectors.household_list(user=request.user, q=q), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "registry/household_list.html", {"page": page, "q": q})


@staff_required
@permission_required("registry.add_household", raise_exception=True)
def household_create(request):
    form = HouseholdForm(
        request.POST or None, divisions=division_choices(user=request.user, levels=("community",))
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            head = selectors.person_detail(user=request.user, person_id=data["head_id"])
            household = services.household_create(
                actor=request.user,
                number=data["number"],
                division_code=data["division"],
                address=data["address"],
                head=head,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except Http404:  # a head outside scope looks like no such person
            form.add_error("head_id", _("找不到该人员，或不在您的管辖范围内。"))
        else:
            return redirect("registry:household_detail", household_id=household.pk)
    return render(request, "registry/simple_form.html", {"form": form, "title": _("新建家庭户")})


@staff_required
@permission_required("registry.view_household", raise_exception=True)
def household_detail(request, household_id: int):
    household = selectors.household_detail(user=request.user, household_id=household_id)
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = selectors.person_detail(
                user=request.user, person_id=form.cleaned_data["person_id"]
            )
            services.household_add_member(
                actor=request.user,
                household=household,
                person=person,
                relation=form.cleaned_data["relation"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except Http404:
            form.add_error("person_id", _("找不到该人员，或不在您的管辖范围内。"))
        else:
            messages.success(request, _("已添加成员。"))
            return redirect("registry:household_detail", household_id=household.pk)
    return render(
        request,
        "registry/household_detail.html",
        {
            "household": household,
            "members": selectors.household_members(household=household),
            "form": form,
        },
    )


@staff_required
@require_POST
def household_member_leave(request, household_id: int, member_id: int):
    household = selectors.household_detail(user=request.user, household_id=household_id)
    member = get_object_or_404(
        household.members.select_related("person", "household"), pk=member_id, left_on__isnull=True
    )
    try:
        services.household_remove_member(
            actor=request.user, member=member, left_on=timezone.localdate()
        )
    except ValidationError as exc:
        messages.error(request, join_messages(exc.messages))
    else:
        messages.success(request, _("%(name)s 已迁出（记录保留）。") % {"name": member.person.name})
    return redirect("registry:household_detail", household_id=household.pk)


# ---------------------------------------------------------------- organisations


@staff_required
@permission_required("registry.view_organisation", raise_exception=True)
def organisation_list(request):
    q = request.GET.get("q", "").strip()
    page = Paginator(selectors.organisation_list(user=request.user, q=q), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "registry/organisation_list.html", {"page": page, "q": q})


@staff_required
@permission_required("registry.add_organisation", raise_exception=True)
def organisation_create(request):
    form = OrganisationForm(
        request.POST or None,
        divisions=division_choices(user=request.user, levels=("district", "town", "community")),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            org = services.organisation_register(
                actor=request.user, division_code=data.pop("division"), **data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已登记 %(name)s。") % {"name": org.name})
            return redirect("registry:organisation_list")
    return render(request, "registry/simple_form.html", {"form": form, "title": _("登记组织")})
