"""The error pages (handler403/404/500): in the user's language, with the help line, and
never a hint of what exists — a 404 says the page is not there, whatever the reason."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _


def _page(request, status: int, heading: str, explanation: str):
    return render(
        request,
        "core/error.html",
        {"heading": heading, "explanation": explanation, "help_phone": settings.PORTAL_HELP_PHONE},
        status=status,
    )


def forbidden(request, exception=None):
    return _page(
        request,
        403,
        _("没有权限"),
        _("您的账号不能办理这项业务。如确需办理，请联系本单位的系统管理员开通权限。"),
    )


def not_found(request, exception=None):
    return _page(
        request,
        404,
        _("页面不存在"),
        _("您要找的页面不存在，或者已经不能访问。请检查网址，或从首页进入。"),
    )


def server_error(request):
    # Rendered without the request's context: the failure may lie in what builds it.
    html = loader.get_template("core/error.html").render(
        {
            "heading": _("系统暂时出错"),
            "explanation": _("系统处理时出了错，已经记录下来。请稍后再试。"),
            "help_phone": settings.PORTAL_HELP_PHONE,
        }
    )
    return HttpResponseServerError(html)
