"""Welfare API (staff, scoped). Thin: nested input/output serializers, one service call."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from minzheng.core import audit
from minzheng.core.api_permissions import StaffModelPermissions
from minzheng.core.validators import validate_event_date, validate_name

from . import selectors, services
from .models import CareActivity, Child, EmploymentService, JobSeeker, RespiteEnrolment


def _bad(exc: ValidationError) -> Response:
    return Response(
        exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages},
        status=status.HTTP_400_BAD_REQUEST,
    )


class ChildFilePermission(BasePermission):
    def has_permission(self, request, view):
        return request.user.has_perm("welfare.read_child_file")


class ChildOut(serializers.ModelSerializer):
    name = serializers.CharField(source="person.name")
    age = serializers.IntegerField(source="person.age_today", allow_null=True)
    division_name = serializers.CharField(source="division.name")

    class Meta:
        model = Child
        fields = [
            "id",
            "name",
            "age",
            "category",
            "placement",
            "division",
            "division_name",
            "admitted_on",
            "left_on",
        ]


class ChildList(generics.ListAPIView):
    """Children in care within your scope; needs the child-file permission (each list read
    is written to the operation log)."""

    permission_classes = [StaffModelPermissions, ChildFilePermission]
    queryset = Child.objects.none()
    serializer_class = ChildOut
    filter_backends = []

    def get_queryset(self):
        return selectors.child_list(
            user=self.request.user, category=self.request.query_params.get("category", "")
        )

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        audit.record(
            actor=request.user,
            action=audit.Action.REVEAL,
            summary="查看儿童名单（API）",
            target_type="welfare.child",
        )
        return response


class ActivityIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CareActivity.Kind.choices)
    title = serializers.CharField(max_length=120)
    organiser = serializers.CharField(max_length=80)
    place = serializers.CharField(max_length=120)
    division = serializers.CharField(max_length=12)
    starts_at = serializers.DateTimeField(validators=[validate_event_date])
    ends_at = serializers.DateTimeField(validators=[validate_event_date])
    staff = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        required=False,
        default=list,
    )
    volunteers = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        required=False,
        default=list,
    )
    beneficiaries = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        required=False,
        default=list,
    )
    beneficiary_count = serializers.IntegerField(min_value=0, max_value=100000, default=0)
    report = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class ActivityOut(serializers.ModelSerializer):
    class Meta:
        model = CareActivity
        fields = [
            "id",
            "kind",
            "title",
            "organiser",
            "place",
            "division",
            "starts_at",
            "ends_at",
            "beneficiary_count",
            "report",
            "volunteer_activity_id",
        ]


class ActivityCreate(APIView):
    """Record a care activity that took place; volunteers' hours go to the volunteers app."""

    permission_classes = [StaffModelPermissions]
    queryset = CareActivity.objects.none()

    @extend_schema(request=ActivityIn, responses={201: ActivityOut})
    def post(self, request):
        data = ActivityIn(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        try:
            activity = services.activity_create(
                actor=request.user,
                data=services.ActivityInput(
                    kind=d["kind"],
                    title=d["title"],
                    organiser=d["organiser"],
                    place=d["place"],
                    division_code=d["division"],
                    starts_at=d["starts_at"],
                    ends_at=d["ends_at"],
                    staff_ids=d["staff"],
                    volunteer_ids=d["volunteers"],
                    beneficiary_ids=d["beneficiaries"],
                    beneficiary_count=d["beneficiary_count"],
                    report=d["report"],
                ),
            )
        except ValidationError as exc:
            return _bad(exc)
        return Response(ActivityOut(activity).data, status=status.HTTP_201_CREATED)


class EnrolmentIn(serializers.Serializer):
    household = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    child = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class EnrolmentOut(serializers.ModelSerializer):
    class Meta:
        model = RespiteEnrolment
        fields = ["id", "session", "household", "child", "hours", "year", "state", "source"]


class EnrolmentCreate(APIView):
    """Enrol a family's child into a respite session (capacity and the family's yearly
    hours limit are checked atomically)."""

    permission_classes = [StaffModelPermissions]
    queryset = RespiteEnrolment.objects.none()

    @extend_schema(request=EnrolmentIn, responses={201: EnrolmentOut})
    def post(self, request, pk: int):
        session = selectors.session_detail(user=request.user, session_id=pk)
        data = EnrolmentIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            enrolment = services.enrolment_create(
                actor=request.user,
                session=session,
                household_id=data.validated_data["household"],
                child_id=data.validated_data["child"],
            )
        except ValidationError as exc:
            return _bad(exc)
        return Response(EnrolmentOut(enrolment).data, status=status.HTTP_201_CREATED)


class ServiceIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EmploymentService.Kind.choices)
    channel = serializers.ChoiceField(
        choices=EmploymentService.Channel.choices, default=EmploymentService.Channel.STALL
    )
    stall = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, required=False, allow_null=True
    )
    division = serializers.CharField(max_length=12, required=False, allow_blank=True, default="")
    served_on = serializers.DateField(
        required=False, allow_null=True, validators=[validate_event_date]
    )
    id_number = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    name = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="", validators=[validate_name]
    )
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ServiceOut(serializers.ModelSerializer):
    class Meta:
        model = EmploymentService
        fields = [
            "id",
            "kind",
            "channel",
            "stall",
            "division",
            "served_on",
            "name",
            "id_number_masked",
            "phone_masked",
        ]


class ServiceCreate(APIView):
    """Stall entry: one employment service, with or without an identified person; an
    invalid ID number is refused (400, Chinese message) and nothing is written."""

    permission_classes = [StaffModelPermissions]
    queryset = EmploymentService.objects.none()

    @extend_schema(request=ServiceIn, responses={201: ServiceOut})
    def post(self, request):
        data = ServiceIn(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        try:
            service = services.employment_service_record(
                actor=request.user,
                data=services.ServiceInput(
                    kind=d["kind"],
                    channel=d["channel"],
                    stall_id=d.get("stall"),
                    division_code=d["division"],
                    served_on=d.get("served_on"),
                    id_number=d["id_number"],
                    name=d["name"],
                    phone=d["phone"],
                    note=d["note"],
                ),
            )
        except ValidationError as exc:
            return _bad(exc)
        return Response(ServiceOut(service).data, status=status.HTTP_201_CREATED)


class MatchOut(serializers.Serializer):
    vacancy = serializers.IntegerField()
    employer = serializers.CharField()
    title = serializers.CharField()
    accommodation = serializers.CharField()
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())


class JobseekerMatches(APIView):
    """Open vacancies in your scope ranked for one job-seeker, with the reasons."""

    permission_classes = [StaffModelPermissions]
    queryset = JobSeeker.objects.none()

    @extend_schema(responses={200: MatchOut(many=True)})
    def get(self, request, pk: int):
        seeker = selectors.jobseeker_detail(user=request.user, jobseeker_id=pk)
        matches = selectors.jobseeker_matches(user=request.user, jobseeker=seeker)
        return Response(MatchOut(matches, many=True).data)
