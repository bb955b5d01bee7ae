"""API errors: bad input is 400 with a field → messages map in the request's language; a
lost database is 503 with Retry-After (the same answer as core.middleware.BadInputMiddleware
gives outside DRF)."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from . import bad_input


def _as_drf(exc):
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(
                {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
            )
        return exceptions.ValidationError({"non_field_errors": [str(m) for m in exc.messages]})
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    return exc


def exception_handler(exc, context):
    if bad_input.is_database_unavailable(exc):
        bad_input.log_database_unavailable(context["request"], exc)
        set_rollback()
        return Response(
            {"detail": bad_input.unavailable_message()},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers=bad_input.retry_after_headers(),
        )
    return drf_exception_handler(_as_drf(exc), context)
