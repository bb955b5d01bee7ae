"""Requests no view can serve: a NUL byte in the input (400), a lost database (503).

Used by `core.middleware.BadInputMiddleware` (pages and API) and `core.api_errors`
(DRF views), so that both answer with the same words and shapes:

- /api/: the API's error shape, a field → messages map (`{"q": ["…"]}`), or
  `{"detail": "…"}` when no field is to blame;
- pages: a short standalone page (no menu: it must render without the database).
"""

from __future__ import annotations

import json
import logging
import re

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger("minzheng.db")

NUL = "\x00"
# A JSON string holds a NUL only as the escape \u0000; an escaped backslash before it
# ("\\u0000") is the six characters \u0000, not a NUL.
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
NON_FIELD = "non_field_errors"

# Seconds a client should wait after a 503: long enough for the database (or the
# connection pool in front of it) to come back, short enough for a person to retry.
RETRY_AFTER_SECONDS = 5


def nul_message() -> str:
    return _("内容含有不可见的空字符（NUL），请删除后重新提交。")


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def nul_fields(request) -> list[str]:
    """The names of the inputs that hold a NUL byte (NON_FIELD for the path, a header or
    a key); empty when there is none. Reads the JSON body of an API request, never a
    multipart body beyond what Django parses for request.POST anyway."""
    found: list[str] = []
    if NUL in request.path_info:
        found.append(NON_FIELD)
    for data in (request.GET, _form_data(request)):
        if not data:
            continue
        for key, values in data.lists():
            if NUL in key:
                found.append(NON_FIELD)
            elif any(NUL in v for v in values):
                found.append(key)
    if any(NUL in v for k, v in request.META.items() if k.startswith("HTTP_")):
        found.append(NON_FIELD)
    if _is_api(request) and request.content_type.endswith("json"):
        body = request.body
        if _JSON_NUL.search(body):
            found.extend(_json_nul_fields(body))
    return list(dict.fromkeys(found))


def _form_data(request):
    if request.method != "POST":
        return None
    try:
        return request.POST
    except (MultiPartParserError, UnreadablePostError):
        # A malformed body: the view's parser refuses it with 400 (DRF) or CSRF fails it.
        return None


def _json_nul_fields(body: bytes) -> list[str]:
    try:
        data = json.loads(body)
    except ValueError:
        return []  # the view's parser answers 400 for malformed JSON

    def holds_nul(value) -> bool:
        if isinstance(value, str):
            return NUL in value
        if isinstance(value, dict):
            return any(holds_nul(k) or holds_nul(v) for k, v in value.items())
        if isinstance(value, list):
            return any(holds_nul(v) for v in value)
        return False

    if isinstance(data, dict):
        fields = [
            NON_FIELD if NUL in key else key for key, value in data.items() if holds_nul(value)
        ]
        return fields or [NON_FIELD]
    return [NON_FIELD] if holds_nul(data) else []


def _page(*, status: int, title: str, message: str, headers=None) -> HttpResponse:
    # Rendered without the request: no context processor (menu, counts, the user) may touch
    # the database, which is what a 503 is about.
    html = render_to_string("core/request_error.html", {"title": title, "message": message})
    return HttpResponse(html, status=status, headers=headers)


def _json(body: dict, *, status: int, headers=None) -> JsonResponse:
    return JsonResponse(
        body, status=status, headers=headers, json_dumps_params={"ensure_ascii": False}
    )


def bad_request(request, fields: list[str]) -> HttpResponse:
    message = nul_message()
    if _is_api(request):
        return _json({field: [message] for field in fields}, status=400)
    return _page(status=400, title=_("提交的内容无法处理"), message=message)


def is_database_unavailable(exc: BaseException) -> bool:
    """A lost, refused or timed-out connection (and SQLite's "database is locked"): the
    request may succeed if tried again shortly."""
    return isinstance(exc, OperationalError | InterfaceError)


def unavailable_message() -> str:
    return _("系统繁忙，数据库暂时无法连接，请稍后再试。")


def retry_after_headers() -> dict[str, str]:
    return {"Retry-After": str(RETRY_AFTER_SECONDS)}


def log_database_unavailable(request, exc: BaseException) -> None:
    # Still an error for the operators: answered 503 instead of 500, but not silent.
    logger.error("database unavailable: %s %s", request.method, request.path, exc_info=exc)


def database_unavailable(request) -> HttpResponse:
    if _is_api(request):
        return _json({"detail": unavailable_message()}, status=503, headers=retry_after_headers())
    return _page(
        status=503,
        title=_("服务暂时不可用"),
        message=unavailable_message(),
        headers=retry_after_headers(),
    )
