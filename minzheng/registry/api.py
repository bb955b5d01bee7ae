"""Registry API: the same scope, masking and services as the pages.

Lists use cursor pagination and never decrypt: they return the stored masked forms.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from minzheng.core.api_permissions import StaffModelPermissions
from minzheng.core.validators import MAX_ID

from . import selectors, services
from .models import Household, Organisation, Person, Sex


class PersonOut(serializers.ModelSerializer):
    id_number = serializers.CharField(source="id_number_masked")
    phone = serializers.CharField(source="phone_masked")
    residence_division = serializers.CharField(source="residence_division_id")
    residence_division_name = serializers.CharField(source="residence_division.name")
    hukou_division = serializers.CharField(source="hukou_division_id", allow_null=True)
    # The age, never the birth date, beside the masked number (docs/architecture.md).
    age = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "sex",
            "age",
            "id_number",
            "phone",
            "hukou_division",
            "residence_division",
            "residence_division_name",
            "address",
            "deceased_date",
            "is_void",
            "created_at",
        ]

    def get_age(self, obj: Person) -> int | None:
        return obj.age_today


class PersonIn(serializers.Serializer):
    name = serializers.CharField(max_length=40)
    id_number = serializers.CharField(max_length=25, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    sex = serializers.ChoiceField(choices=Sex.choices, required=False, allow_blank=True, default="")
    birth_date = serializers.DateField(required=False, allow_null=True, default=None)
    hukou_division = serializers.CharField(
        max_length=12, required=False, allow_blank=True, default=""
    )
    residence_division = serializers.CharField(max_length=12)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def to_input(self) -> services.PersonInput:
        d = self.validated_data
        return services.PersonInput(
            name=d["name"],
            id_number=d["id_number"],
            phone=d["phone"],
            sex=d["sex"],
            birth_date=d["birth_date"],
            hukou_division_code=d["hukou_division"],
            residence_division_code=d["residence_division"],
            address=d["address"],
        )


# Ages are bounded: an age turns into a birth-date bound, and 763034 years is no date.
MAX_AGE = 150


class PersonFilterIn(serializers.Serializer):
    """The person list's query parameters (documented from this serializer)."""

    q = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="name prefix, or an exact ID number or phone (matched by keyed hash)",
    )
    sex = serializers.ChoiceField(choices=Sex.choices, required=False, allow_blank=True, default="")
    division = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="division code or prefix, within your scope",
    )
    tag = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="dibao, tekun, disabled, orphan, dibian, child_difficulty, elderly_60, elderly_80",
    )
    age_min = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0, max_value=MAX_AGE
    )
    age_max = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0, max_value=MAX_AGE
    )
    include_void = serializers.BooleanField(required=False, default=False)

    def to_filters(self) -> selectors.PersonFilters:
        return selectors.PersonFilters(**self.validated_data)


class PersonListCreate(generics.ListCreateAPIView):
    serializer_class = PersonOut
    filter_backends = []  # filtering is the selector's job

    def get_queryset(self):
        params = PersonFilterIn(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return selectors.person_list(user=self.request.user, filters=params.to_filters())

    @extend_schema(parameters=[PersonFilterIn])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=PersonIn, responses={201: PersonOut})
    def post(self, request, *args, **kwargs):
        data = PersonIn(data=request.data)
        data.is_valid(raise_exception=True)
        person = services.person_register(actor=request.user, data=data.to_input())
        return Response(PersonOut(person).data, status=status.HTTP_201_CREATED)


class PersonDetail(generics.RetrieveUpdateAPIView):
    serializer_class = PersonOut
    queryset = Person.objects.none()  # names the model for the permission check; get_object scopes
    http_method_names = ["get", "put", "head", "options"]

    def get_object(self):
        return selectors.person_detail(user=self.request.user, person_id=self.kwargs["pk"])

    @extend_schema(request=PersonIn, responses={200: PersonOut})
    def put(self, request, *args, **kwargs):
        person = self.get_object()
        data = PersonIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.person_update(actor=request.user, person=person, data=data.to_input())
        return Response(PersonOut(person).data)


class RevealPermission(StaffModelPermissions):
    # Revealing writes nothing to the person: it needs view_person here and the reveal
    # permission, which the service checks.
    perms_map = {**StaffModelPermissions.perms_map, "POST": ["%(app_label)s.view_%(model_name)s"]}


class PersonReveal(APIView):
    """The full ID number and phone of one person (permission registry.reveal_personal_data); logged."""

    queryset = Person.objects.none()  # for the model permission check: needs view_person

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "Revealed", {"id_number": serializers.CharField(), "phone": serializers.CharField()}
        ),
    )
    def post(self, request, pk: int):
        person = selectors.person_detail(user=request.user, person_id=pk)
        return Response(
            services.person_reveal(
                actor=request.user, person=person, reason=request.data.get("reason", "")
            )
        )

    permission_classes = [RevealPermission]


class HouseholdMemberOut(serializers.Serializer):
    person = serializers.IntegerField(source="person_id")
    name = serializers.CharField(source="person.name")
    relation = serializers.CharField()
    joined_on = serializers.DateField()
    left_on = serializers.DateField(allow_null=True)


class HouseholdOut(serializers.ModelSerializer):
    division = serializers.CharField(source="division_id")
    members = HouseholdMemberOut(many=True)

    class Meta:
        model = Household
        fields = ["id", "number", "division", "address", "members"]


class HouseholdIn(serializers.Serializer):
    number = serializers.CharField(max_length=40)
    division = serializers.CharField(max_length=12)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    head = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class HouseholdListCreate(generics.ListCreateAPIView):
    serializer_class = HouseholdOut
    filter_backends = []

    def get_queryset(self):
        return selectors.household_list(
            user=self.request.user, q=self.request.query_params.get("q", "")
        ).prefetch_related("members__person")

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="household number or head's name prefix")
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=HouseholdIn, responses={201: HouseholdOut})
    def post(self, request, *args, **kwargs):
        data = HouseholdIn(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        try:
            head = selectors.person_detail(user=request.user, person_id=d["head"])
        except Http404:
            raise ValidationError({"head": _("找不到该人员，或不在您的管辖范围内。")}) from None
        household = services.household_create(
            actor=request.user,
            number=d["number"],
            division_code=d["division"],
            address=d["address"],
            head=head,
        )
        return Response(HouseholdOut(household).data, status=status.HTTP_201_CREATED)


class HouseholdDetail(generics.RetrieveAPIView):
    serializer_class = HouseholdOut
    queryset = Household.objects.none()

    def get_object(self):
        return selectors.household_detail(user=self.request.user, household_id=self.kwargs["pk"])


class OrganisationOut(serializers.ModelSerializer):
    division = serializers.CharField(source="division_id")
    contact_phone = serializers.CharField(source="contact_phone_masked")

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "credit_code",
            "kind",
            "division",
            "address",
            "contact_name",
            "contact_phone",
        ]


class OrganisationIn(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    credit_code = serializers.CharField(max_length=25, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=Organisation.Kind.choices)
    division = serializers.CharField(max_length=12)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    contact_name = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default=""
    )
    contact_phone = serializers.CharField(
        max_length=30, required=False, allow_blank=True, default=""
    )


class OrganisationListCreate(generics.ListCreateAPIView):
    serializer_class = OrganisationOut
    filter_backends = []

    def get_queryset(self):
        return selectors.organisation_list(
            user=self.request.user, q=self.request.query_params.get("q", "")
        )

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="name contains, or exact credit code")]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=OrganisationIn, responses={201: OrganisationOut})
    def post(self, request, *args, **kwargs):
        data = OrganisationIn(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        org = services.organisation_register(
            actor=request.user, division_code=d.pop("division"), **d
        )
        return Response(OrganisationOut(org).data, status=status.HTTP_201_CREATED)


class OrganisationDetail(generics.RetrieveAPIView):
    serializer_class = OrganisationOut
    queryset = Organisation.objects.none()

    def get_object(self):
        return selectors.organisation_detail(
            user=self.request.user, organisation_id=self.kwargs["pk"]
        )
