"""Programmes API: scoped, masked reads of applications with their current decision, and
counter submission through the same service as the pages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from minzheng.core.api_permissions import StaffModelPermissions

from . import selectors, services
from .models import Application, Decision


class DecisionOut(serializers.ModelSerializer):
    class Meta:
        model = Decision
        fields = ["on", "eligible", "amount", "explanation", "checks", "parameters"]


class ApplicationOut(serializers.ModelSerializer):
    programme = serializers.CharField(source="programme.code")
    applicant_id_number = serializers.CharField(source="applicant_id_masked")
    bank_account = serializers.CharField(source="bank_account_masked")
    division_name = serializers.CharField(source="division.name")

    class Meta:
        model = Application
        fields = [
            "id",
            "number",
            "programme",
            "state",
            "channel",
            "division",
            "division_name",
            "applicant_name",
            "applicant_id_number",
            "bank_account",
            "amount",
            "approval_level",
            "fast_path",
            "advance_amount",
            "paperwork_due",
            "staff_related",
            "submitted_on",
            "due_on",
            "publicity_end",
            "facts",
        ]


class ApplicationDetailOut(ApplicationOut):
    decision = serializers.SerializerMethodField()

    class Meta(ApplicationOut.Meta):
        fields = [*ApplicationOut.Meta.fields, "decision", "refusal_reasons", "missing_documents"]

    def get_decision(self, obj) -> dict | None:
        d = selectors.current_decision(application=obj)
        return DecisionOut(d).data if d else None


class ApplicationIn(serializers.Serializer):
    programme = serializers.SlugField()
    division = serializers.CharField(max_length=12)
    applicant_name = serializers.CharField(max_length=100)
    applicant_id_number = serializers.CharField(max_length=24)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    bank_name = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    bank_account = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default=""
    )
    facts = serializers.DictField()
    idempotency_key = serializers.CharField(max_length=80)
    staff_related = serializers.BooleanField(required=False, default=False)


@extend_schema(
    parameters=[
        OpenApiParameter("queue", str, enum=list(selectors.QUEUE_BY_KEY)),
        OpenApiParameter("programme", str),
    ]
)
class ApplicationListCreate(generics.ListAPIView):
    """GET: the applications waiting in a queue within your scope. POST: counter submission
    (the same idempotency key twice returns the first application)."""

    permission_classes = [StaffModelPermissions]
    queryset = Application.objects.none()
    serializer_class = ApplicationOut

    def get_queryset(self):
        queue = self.request.query_params.get("queue", "accept")
        if queue not in selectors.QUEUE_BY_KEY:
            queue = "accept"
        return selectors.queue_list(
            user=self.request.user,
            queue=queue,
            programme_code=self.request.query_params.get("programme", ""),
        ).defer(None)

    @extend_schema(request=ApplicationIn, responses={201: ApplicationDetailOut})
    def post(self, request):
        data = ApplicationIn(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        try:
            app = services.application_submit(
                actor=request.user,
                data=services.ApplicationInput(
                    programme_code=d["programme"],
                    division_code=d["division"],
                    applicant_name=d["applicant_name"],
                    applicant_id_number=d["applicant_id_number"],
                    phone=d["phone"],
                    bank_name=d["bank_name"],
                    bank_account=d["bank_account"],
                    facts=d["facts"],
                    idempotency_key=d["idempotency_key"],
                    staff_related=d["staff_related"],
                ),
            )
        except ValidationError as exc:
            return Response(
                exc.message_dict
                if hasattr(exc, "error_dict")
                else {"non_field_errors": exc.messages},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(ApplicationDetailOut(app).data, status=status.HTTP_201_CREATED)


class ApplicationDetail(generics.RetrieveAPIView):
    permission_classes = [StaffModelPermissions]
    queryset = Application.objects.none()
    serializer_class = ApplicationDetailOut

    def get_object(self):
        return selectors.application_detail(
            user=self.request.user, application_id=self.kwargs["pk"]
        )
