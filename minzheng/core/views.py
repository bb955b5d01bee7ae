"""Staff shell pages: sign-in, home, operation log, sign-in lockouts, jobs, attachments,
health."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import audit, roles, selectors, services
from .context_processors import ELDER_COOKIE
from .forms import OperationLogFilterForm, StaffLoginForm
from .forms_util import join_messages
from .models import Attachment
from .navigation import staff_entries_for
from .scope import object_in_scope


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["timed_out"] = self.request.session.pop("timed_out", False)
        return ctx


def staff_required(view):
    """Signed-in staff only; residents are sent to the portal."""

    @login_required
    def wrapped(request, *args, **kwargs):
        if request.user.kind != request.user.Kind.STAFF:
            raise Http404
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@staff_required
def home(request):
    tiles = [
        (entry, entry.count(request.user) if entry.count and entry.count_label else None)
        for entry in staff_entries_for(request.user)
    ]
    return render(request, "core/home.html", {"tiles": tiles, "now": timezone.localtime()})


@staff_required
@permission_required("core.view_operationlog", raise_exception=True)
def operation_log(request):
    form = OperationLogFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(
        selectors.operation_log_search(**{k: v for k, v in filters.items() if v}), 50
    ).get_page(request.GET.get("page"))
    return render(request, "core/operation_log.html", {"form": form, "page": page})


@staff_required
@permission_required(roles.UNLOCK_ACCOUNT, raise_exception=True)
def lockouts(request):
    """Accounts refused sign-in from an address, each with an unlock button."""
    return render(request, "core/lockouts.html", {"lockouts": selectors.lockouts_current()})


@staff_required
@permission_required(roles.UNLOCK_ACCOUNT, raise_exception=True)
@require_POST
def lockout_unlock(request):
    username = request.POST.get("username", "")
    try:
        services.account_unlock(
            actor=request.user, username=username, ip=request.POST.get("ip") or None
        )
    except ValidationError as exc:
        messages.error(request, join_messages(exc.messages))
    else:
        messages.success(request, _("已解除 %(username)s 的登录锁定。") % {"username": username})
    return redirect("core:lockouts")


@staff_required
def job_status(request, job_id: int):
    job = selectors.job_for_user(user=request.user, job_id=job_id)
    template = "core/_job_progress.html" if request.htmx else "core/job.html"
    return render(request, template, {"job": job})


@staff_required
def attachment_download(request, token: str):
    attachment = get_object_or_404(
        Attachment.objects.select_related("content_type"), token=token, is_void=False
    )
    owner = attachment.owner
    # Not in scope looks exactly like not existing.
    if (
        owner is None
        or not request.user.has_perm("core.view_attachment")
        or not object_in_scope(request.user, owner)
    ):
        raise Http404
    audit.record(
        actor=request.user,
        action=audit.Action.DOWNLOAD,
        target=attachment,
        summary=attachment.original_name,
    )
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type_header,
    )


def elder_mode(request):
    """Switch elder mode (长辈模式) on or off for this browser and go back."""
    target = request.GET.get("next") or request.META.get("HTTP_REFERER") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        ELDER_COOKIE,
        "1" if request.GET.get("on") == "1" else "0",
        max_age=365 * 24 * 3600,
        samesite="Lax",
    )
    return response


@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
