"""Core API: token sign-in, the signed-in account, divisions, policy parameters, and the
progress of a background job."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext as _
from rest_framework import generics, permissions, serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

from . import selectors
from .models import Division, Job, PolicyParameter
from .scope import user_prefix
from .throttling import ScopedRateThrottle


class TokenView(ObtainAuthToken):
    """POST username and password, get a token for `Authorization: Token …`.

    Failed attempts count towards the same lockout as the sign-in page."""

    permission_classes = [permissions.AllowAny]
    # ObtainAuthToken turns throttling off (throttle_classes = ()); put the project's back,
    # so token requests are limited per client address like the other anonymous ones.
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "anon"

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except serializers.ValidationError:
            # django-axes marks the request it was given (DRF's wrapper) when it refused.
            if getattr(request, "axes_locked_out", False) or getattr(
                request._request, "axes_locked_out", False
            ):
                return Response(
                    {"detail": _("登录失败次数过多，账号已暂时锁定，请 30 分钟后再试。")},
                    status=429,
                )
            raise


class MeOut(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    kind = serializers.CharField()
    display_name = serializers.CharField()
    division = serializers.CharField(source="division_id", allow_null=True)


class MeView(generics.GenericAPIView):
    """The signed-in account (the portal and the gate app show who is signed in). Also the
    cheapest authenticated request there is: the booking benchmark measures the platform's
    floor with it."""

    serializer_class = MeOut
    permission_classes = [permissions.IsAuthenticated]

    def get(self, request):
        return Response(MeOut(request.user).data)


class DivisionOut(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent_id", allow_null=True)

    class Meta:
        model = Division
        fields = ["code", "name", "level", "parent"]


class DivisionFilter(django_filters.FilterSet):
    parent = django_filters.CharFilter(field_name="parent_id")
    name = django_filters.CharFilter(field_name="name", lookup_expr="contains")

    class Meta:
        model = Division
        fields = ["level", "parent", "name"]


class DivisionList(generics.ListAPIView):
    """Divisions the user works in: their own division and everything under it."""

    serializer_class = DivisionOut
    filterset_class = DivisionFilter
    pagination_class = None

    def get_queryset(self):
        prefix = user_prefix(self.request.user)
        qs = Division.objects.all()
        if prefix is None:
            return qs.none()
        return qs.filter(code__startswith=prefix) if prefix else qs


class ParameterOut(serializers.ModelSerializer):
    division = serializers.CharField(source="division_id", allow_null=True)

    class Meta:
        model = PolicyParameter
        fields = [
            "id",
            "key",
            "name",
            "division",
            "value",
            "value_type",
            "unit",
            "valid_from",
            "valid_to",
            "source_document",
            "is_illustrative",
        ]


class ParameterFilter(django_filters.FilterSet):
    on = django_filters.DateFilter(method="filter_on", label="in force on (YYYY-MM-DD)")

    class Meta:
        model = PolicyParameter
        fields = ["key", "division", "on"]

    def filter_on(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(valid_from__lte=value).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=value)
        )


class ParameterList(generics.ListAPIView):
    """Policy parameters with their validity and source document (public policy facts)."""

    serializer_class = ParameterOut
    filterset_class = ParameterFilter
    queryset = PolicyParameter.objects.all()


class JobOut(serializers.ModelSerializer):
    """A background job as its starter polls it (`core.tasks`): status, progress, errors
    (row, column, message) and the result (e.g. the id of the plan a solver stored)."""

    status_label = serializers.CharField(source="get_status_display")
    percent = serializers.IntegerField()

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "status_label",
            "stage",
            "done",
            "total",
            "percent",
            "created_at",
            "finished_at",
            "result",
            "errors",
        ]


class JobDetail(generics.GenericAPIView):
    """GET: the progress of a job the signed-in user started (others' jobs are 404)."""

    serializer_class = JobOut
    permission_classes = [permissions.IsAuthenticated]

    def get(self, request, pk: int):
        return Response(JobOut(selectors.job_for_user(user=request.user, job_id=pk)).data)
