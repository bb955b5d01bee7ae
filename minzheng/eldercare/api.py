"""Elderly-care API (stable paths): institutions (public fields for anonymous users, full
for staff in scope), happiness houses, admissions, inspections, monthly claims."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from minzheng.core.api_permissions import StaffModelPermissions
from minzheng.core.validators import validate_event_date

from . import rules, selectors, services
from .models import Claim, ClaimLine, House, Inspection, Institution, Residency


def _is_staff(user) -> bool:
    return bool(user and user.is_authenticated and getattr(user, "kind", "") == "staff")


class InstitutionPublicOut(serializers.ModelSerializer):
    town = serializers.CharField(source="division.name")
    ownership_label = serializers.CharField(source="get_ownership_display")
    vacancies = serializers.IntegerField()

    class Meta:
        model = Institution
        fields = [
            "id",
            "name",
            "town",
            "address",
            "ownership",
            "ownership_label",
            "beds_total",
            "beds_nursing",
            "vacancies",
            "star_grade",
            "services",
            "is_illustrative",
        ]


class InstitutionStaffOut(InstitutionPublicOut):
    occupied = serializers.IntegerField()

    class Meta(InstitutionPublicOut.Meta):
        fields = InstitutionPublicOut.Meta.fields + [
            "division",
            "occupied",
            "filing_number",
            "filed_on",
            "grade_assessed_on",
            "grade_body",
            "contact_name",
            "contact_phone_masked",
            "bank_name",
            "bank_account_masked",
        ]


class InstitutionList(generics.ListAPIView):
    """Anonymous and resident callers get the public fields of every institution; staff
    get the full record of the institutions in their scope (their own one for an
    institution's staff)."""

    permission_classes = [permissions.AllowAny]
    filter_backends = []

    @extend_schema(
        parameters=[OpenApiParameter("town", str, description="镇街代码前 9 位")],
        responses=InstitutionStaffOut(many=True),
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_serializer_class(self):
        if _is_staff(self.request.user) and self.request.user.has_perm(
            "eldercare.view_institution"
        ):
            return InstitutionStaffOut
        return InstitutionPublicOut

    def get_queryset(self):
        town = self.request.query_params.get("town", "")[:12]
        user = self.request.user
        if _is_staff(user) and user.has_perm("eldercare.view_institution"):
            return selectors.institution_list(user=user, town=town).order_by("pk")
        return selectors.public_institutions(town=town).order_by("pk")


class HouseOut(serializers.ModelSerializer):
    community = serializers.CharField(source="division.name")
    operator_name = serializers.CharField(source="operator.name", default="")
    service_labels = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = House
        fields = [
            "id",
            "name",
            "community",
            "address",
            "opening_hours",
            "services",
            "service_labels",
            "operator_name",
            "contract_start",
            "contract_end",
            "is_illustrative",
        ]


class HouseList(generics.ListAPIView):
    """Happiness houses are public facts (where, when open, what they offer)."""

    permission_classes = [permissions.AllowAny]
    filter_backends = []
    serializer_class = HouseOut

    @extend_schema(parameters=[OpenApiParameter("town", str, description="镇街代码前 9 位")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        town = self.request.query_params.get("town", "")[:12]
        return selectors.public_houses(town=town).order_by("pk")


class AdmissionIn(serializers.Serializer):
    institution = serializers.IntegerField(min_value=1)
    person = serializers.IntegerField(min_value=1)
    admitted_on = serializers.DateField(validators=[validate_event_date])
    level = serializers.IntegerField(min_value=0, max_value=4)
    assessed_on = serializers.DateField(validators=[validate_event_date])
    bed_type = serializers.ChoiceField(
        choices=Residency.BedType.choices, default=Residency.BedType.GENERAL
    )
    assessment_body = serializers.CharField(max_length=100, required=False, default="")


class AdmissionOut(serializers.ModelSerializer):
    class Meta:
        model = Residency
        fields = ["id", "institution", "person", "bed_type", "admitted_on", "discharged_on"]


class AdmissionCreate(APIView):
    permission_classes = [StaffModelPermissions]
    queryset = Residency.objects.none()  # model permission: add_residency

    @extend_schema(request=AdmissionIn, responses={201: AdmissionOut})
    def post(self, request):
        data = AdmissionIn(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        if not selectors.institutions_for(request.user).filter(pk=d["institution"]).exists():
            raise ValidationError({"institution": _("请选择您管辖范围内的养老机构。")})
        residency = services.admission_create(
            actor=request.user,
            data=services.AdmissionInput(
                institution_id=d["institution"],
                person_id=d["person"],
                admitted_on=d["admitted_on"],
                level=d["level"],
                assessed_on=d["assessed_on"],
                bed_type=d["bed_type"],
                assessment_body=d["assessment_body"],
            ),
        )
        return Response(AdmissionOut(residency).data, status=status.HTTP_201_CREATED)


class FindingIn(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    description = serializers.CharField(max_length=2000)
    deadline = serializers.DateField()


class InspectionIn(serializers.Serializer):
    place = serializers.IntegerField(min_value=1, help_text="被检查机构（registry 组织 id）")
    place_kind = serializers.ChoiceField(
        choices=[("", "")] + list(Inspection._meta.get_field("place_kind").choices),
        required=False,
        default="",
    )
    inspection_type = serializers.SlugField(max_length=30)
    inspected_on = serializers.DateField(validators=[validate_event_date])
    inspectors = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=5000, required=False, default="", allow_blank=True)
    findings = FindingIn(many=True, required=False, default=list)


class FindingOut(serializers.Serializer):
    id = serializers.IntegerField()
    item = serializers.IntegerField(source="item_id")
    description = serializers.CharField()
    deadline = serializers.DateField()
    state = serializers.CharField()


class InspectionOut(serializers.ModelSerializer):
    findings = FindingOut(many=True)
    inspection_type = serializers.CharField(source="inspection_type.code")

    class Meta:
        model = Inspection
        fields = [
            "id",
            "place",
            "place_kind",
            "inspection_type",
            "inspected_on",
            "inspectors",
            "summary",
            "findings",
        ]


class InspectionCreate(APIView):
    permission_classes = [StaffModelPermissions]
    queryset = Inspection.objects.none()  # model permission: add_inspection

    @extend_schema(request=InspectionIn, responses={201: InspectionOut})
    def post(self, request):
        data = InspectionIn(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        inspection = services.inspection_create(
            actor=request.user,
            place_id=d["place"],
            place_kind=d["place_kind"],
            inspection_type_code=d["inspection_type"],
            inspected_on=d["inspected_on"],
            inspectors=d["inspectors"],
            summary=d["summary"],
            findings=[
                services.FindingInput(
                    item_id=f["item"], description=f["description"], deadline=f["deadline"]
                )
                for f in d["findings"]
            ],
        )
        return Response(InspectionOut(inspection).data, status=status.HTTP_201_CREATED)


class ClaimLineOut(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name")

    class Meta:
        model = ClaimLine
        fields = [
            "id",
            "person",
            "person_name",
            "care_level",
            "resident_days",
            "absent_days",
            "paid_days",
            "monthly_rate",
            "amount",
            "held",
            "flags",
            "explanation",
        ]


class ClaimOut(serializers.ModelSerializer):
    institution_name = serializers.CharField(source="institution.name")
    lines = ClaimLineOut(many=True, source="prefetched_lines")

    class Meta:
        model = Claim
        fields = [
            "id",
            "institution",
            "institution_name",
            "month",
            "star_grade",
            "line_count",
            "paid_days",
            "flagged_count",
            "total",
            "application_id",
            "lines",
        ]


class ClaimList(generics.ListAPIView):
    """One month's claims in scope (an institution's staff: their own), every line with
    its explanation."""

    serializer_class = ClaimOut
    filter_backends = []
    queryset = Claim.objects.none()  # model permission: view_claim

    @extend_schema(
        parameters=[OpenApiParameter("month", str, required=True, description="YYYY-MM")]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        from django.db.models import Prefetch

        month = rules.parse_month(self.request.query_params.get("month", ""))
        if month is None:
            raise ValidationError({"month": _("请按 YYYY-MM 指定月份。")})
        return selectors.claim_list(user=self.request.user, month=month).prefetch_related(
            Prefetch(
                "lines",
                queryset=ClaimLine.objects.select_related("person").only(
                    *[f"{f}" for f in ClaimLineOut.Meta.fields if f != "person_name"],
                    "claim_id",
                    "person__name",
                ),
                to_attr="prefetched_lines",
            )
        )
