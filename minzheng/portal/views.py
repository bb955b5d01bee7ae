"""Resident portal pages. Thin: parse, call a service or selector, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from minzheng.core import context
from minzheng.core.forms_util import add_service_errors
from minzheng.registry import pii, validators

from . import selectors, services
from .decorators import resident_required
from .forms import BindForm, CodeForm, PhoneForm

__all__ = ["resident_required"]

# The phone being signed in with, between the two steps. Kept encrypted so that the
# session table never holds a phone in plaintext.
SESSION_PHONE = "portal_login_phone"


def _next_url(request) -> str:
    """The page to return to after sign-in, if it is on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _with_next(url_name: str, next_url: str) -> str:
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _ttl_minutes() -> int:
    return max(1, settings.SMS_CODE_TTL // 60)


def home(request):
    return render(
        request,
        "portal/home.html",
        {
            "services": selectors.portal_services(),
            "profile": selectors.resident_profile_for(request.user),
            "help_phone": selectors.help_phone(),
        },
    )


def offices(request):
    """Open to everyone: where to go, when, and whom to call."""
    return render(request, "portal/offices.html", {"offices": selectors.service_offices()})


def policy(request):
    """Open to everyone: the policy parameters in force today, each with its source
    document (the same rows as `GET /api/v1/core/parameters/`)."""
    from django.utils import timezone

    from minzheng.core.selectors import parameters_in_force

    q = (request.GET.get("q") or "").strip()[:40]
    rows = parameters_in_force(on=timezone.localdate()).order_by("key", "division_id")
    if q:
        rows = rows.filter(name__icontains=q)
    return render(request, "portal/policy.html", {"rows": rows, "q": q})


@require_http_methods(["GET", "POST"])
def login_phone(request):
    """Step 1: the phone number, then an SMS code is sent."""
    next_url = _next_url(request)
    if selectors.resident_profile_for(request.user) is not None:
        return redirect(next_url or "portal:home")
    form = PhoneForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            phone = form.cleaned_data["phone"]
            try:
                services.sms_code_request(phone=phone, ip=context.client_ip(request))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                # The next page says where the code went; no flash message repeats it.
                request.session[SESSION_PHONE] = pii.encrypt(validators.validate_mobile(phone))
                return redirect(_with_next("portal:login_code", next_url))
        status = 400
    return render(
        request,
        "portal/login.html",
        {"form": form, "next": next_url, "timed_out": request.session.pop("timed_out", False)},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def login_code(request):
    """Step 2: the code from the SMS (or another code, with the "resend" button)."""
    next_url = _next_url(request)
    try:
        phone = pii.decrypt(request.session.get(SESSION_PHONE) or "")
    except pii.DecryptionError:  # the field keys were rotated in between: start again
        phone = ""
    if not phone:
        request.session.pop(SESSION_PHONE, None)
        return redirect(_with_next("portal:login", next_url))
    form = CodeForm(request.POST or None, ttl_minutes=_ttl_minutes())
    status = 200
    if request.method == "POST" and "resend" in request.POST:
        try:
            services.sms_code_request(phone=phone, ip=context.client_ip(request))
        except ValidationError as exc:
            # No code was typed, so the refusal belongs to the page, not to the field.
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("新的验证码已发送，请使用最新收到的验证码"))
        return redirect(_with_next("portal:login_code", next_url))
    if request.method == "POST":
        if form.is_valid():
            try:
                user = services.sms_code_verify_and_login(
                    phone=phone, code=form.cleaned_data["code"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                request.session.pop(SESSION_PHONE, None)
                messages.success(request, _("登录成功"))
                return redirect(next_url or "portal:home")
        status = 400
    return render(
        request,
        "portal/login_code.html",
        {"form": form, "next": next_url, "phone_masked": validators.mask_phone(phone)},
        status=status,
    )


@require_POST
def logout_view(request):
    logout(request)
    messages.success(request, _("您已安全退出"))
    return redirect("portal:home")


def _me_page(request, *, bind_form: BindForm | None = None, status: int = 200):
    profile = selectors.resident_profile_for(request.user)
    if profile is not None and not profile.is_bound and bind_form is None:
        bind_form = BindForm()
    return render(request, "portal/me.html", {"profile": profile, "form": bind_form}, status=status)


@resident_required
def me(request):
    return _me_page(request)


@require_POST
@resident_required
def me_bind(request):
    form = BindForm(request.POST)
    if form.is_valid():
        try:
            services.resident_bind_id_number(
                user=request.user,
                real_name=form.cleaned_data["real_name"],
                id_number=form.cleaned_data["id_number"],
            )
        except ValidationError as exc:
            profile = selectors.resident_profile_for(request.user)
            if profile is not None and profile.is_bound:
                # The page no longer shows the form, so the refusal goes in a message.
                for message in exc.messages:
                    messages.error(request, message)
                return redirect("portal:me")
            add_service_errors(form, exc)
        else:
            messages.success(request, _("实名信息已绑定"))
            return redirect("portal:me")
    return _me_page(request, bind_form=form, status=400)
