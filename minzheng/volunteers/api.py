"""Volunteers API (staff): activities with fill status, and the dispatch optimiser.

Same scope and services as the pages: out-of-scope records are 404.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from minzheng.core.api import JobOut
from minzheng.core.api_permissions import StaffModelPermissions
from minzheng.core.permissions import require_perm

from . import selectors, services
from .models import Activity, DispatchPlan


class VolunteerActivityOut(serializers.ModelSerializer):
    division = serializers.CharField(source="division_id")
    needed = serializers.IntegerField(allow_null=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "title",
            "division",
            "organiser",
            "status",
            "auto_approve",
            "published_at",
            "needed",
        ]


class VolunteerShiftRowOut(serializers.Serializer):
    shift = serializers.IntegerField(source="shift.pk")
    site = serializers.CharField(source="shift.post.site.name")
    role = serializers.CharField(source="shift.post.role")
    starts_at = serializers.DateTimeField(source="shift.starts_at")
    ends_at = serializers.DateTimeField(source="shift.ends_at")
    needed = serializers.IntegerField(source="shift.needed")
    confirmed = serializers.IntegerField()
    pending = serializers.IntegerField()
    waitlisted = serializers.IntegerField()


class VolunteerPlanOut(serializers.ModelSerializer):
    assignments = serializers.SerializerMethodField()

    class Meta:
        model = DispatchPlan
        fields = [
            "id",
            "status",
            "solver_status",
            "objective",
            "unfilled",
            "created_at",
            "assignments",
        ]

    def get_assignments(self, plan) -> list[dict]:
        return [
            {
                "shift": a.shift_id,
                "volunteer": a.volunteer_id,
                "fixed": a.fixed,
                "travel_km": str(a.travel_km),
            }
            for a in plan.assignments.all()
        ]


class VolunteerDispatchIn(serializers.Serializer):
    time_limit = serializers.FloatField(required=False, min_value=1, max_value=60, default=10.0)


class ActivityList(generics.ListAPIView):
    """Activities in your scope, newest first, with the headcount needed."""

    permission_classes = [StaffModelPermissions]
    serializer_class = VolunteerActivityOut
    queryset = Activity.objects.none()  # for the permission class; rows come from get_queryset

    def get_queryset(self):
        return selectors.activity_list(
            user=self.request.user, status=self.request.query_params.get("status", "")
        )


class ActivityBoard(APIView):
    """Fill status per post and shift of one activity."""

    permission_classes = [StaffModelPermissions]
    queryset = Activity.objects.none()

    @extend_schema(responses=VolunteerShiftRowOut(many=True))
    def get(self, request, pk: int):
        activity = selectors.activity_detail(user=request.user, activity_id=pk)
        return Response(VolunteerShiftRowOut(selectors.activity_board(activity), many=True).data)


class ActivityDispatch(APIView):
    """POST: start solving a new draft plan in the background (confirmed sign-ups stay
    fixed) → 202 with the job to poll at `/api/v1/core/jobs/{id}/`; its `result.plan` is the
    plan's id when done. GET: the latest plan."""

    permission_classes = [StaffModelPermissions]
    queryset = DispatchPlan.objects.none()

    @extend_schema(responses=VolunteerPlanOut)
    def get(self, request, pk: int):
        activity = selectors.activity_detail(user=request.user, activity_id=pk)
        plan = activity.plans.exclude(status=DispatchPlan.Status.DISCARDED).first()
        if plan is None:
            return Response({"detail": "no plan"}, status=status.HTTP_404_NOT_FOUND)
        return Response(VolunteerPlanOut(plan).data)

    @extend_schema(request=VolunteerDispatchIn, responses={202: JobOut})
    def post(self, request, pk: int):
        require_perm(request.user, "volunteers.dispatch_activity")
        activity = selectors.activity_detail(user=request.user, activity_id=pk)
        data = VolunteerDispatchIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            job = services.dispatch_start(
                actor=request.user, activity=activity, time_limit=data.validated_data["time_limit"]
            )
        except ValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(JobOut(job).data, status=status.HTTP_202_ACCEPTED)
