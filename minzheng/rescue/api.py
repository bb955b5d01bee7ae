"""Rescue API: scoped lists of cases and their candidates, and one-off matching of a found
person (the same path as the pages and `rescue_match`)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from minzheng.core.validators import validate_event_date, validate_name

from . import matching, selectors
from .models import Case, MatchCandidate, Sex


class CaseOut(serializers.ModelSerializer):
    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "found_date",
            "found_place",
            "told_name",
            "sex",
            "age_min",
            "age_max",
            "dialect",
            "state",
            "intake_at",
            "closed_at",
        ]


class CandidateOut(serializers.ModelSerializer):
    external_id = serializers.CharField(source="report.external_id")
    name = serializers.CharField(source="report.name")

    class Meta:
        model = MatchCandidate
        fields = [
            "id",
            "rank",
            "external_id",
            "name",
            "score",
            "reasons",
            "decision",
            "decision_reason",
            "decided_at",
        ]


class CaseList(generics.ListAPIView):
    serializer_class = CaseOut
    filter_backends = []

    def get_queryset(self):
        state = self.request.query_params.get("state", "")
        return selectors.case_list(
            user=self.request.user, filters=selectors.CaseFilters(state=state)
        ).order_by("-id")


class CaseCandidates(generics.ListAPIView):
    serializer_class = CandidateOut
    filter_backends = []
    pagination_class = None
    queryset = Case.objects.none()  # model permission: view_case

    def get_queryset(self):
        case = selectors.case_detail(user=self.request.user, case_id=self.kwargs["pk"])
        return selectors.case_candidates(case=case)


class MatchIn(serializers.Serializer):
    name = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="", validators=[validate_name]
    )
    sex = serializers.ChoiceField(choices=Sex.choices, required=False, allow_blank=True, default="")
    age_min = serializers.IntegerField(min_value=0, max_value=120)
    age_max = serializers.IntegerField(min_value=0, max_value=120)
    found_date = serializers.DateField(validators=[validate_event_date])
    found_place = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    description = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default=""
    )
    top = serializers.IntegerField(min_value=1, max_value=50, default=10)

    def validate(self, attrs):
        if attrs["age_min"] > attrs["age_max"]:
            raise serializers.ValidationError({"age_max": "年龄上限不能小于下限。"})
        return attrs


class MatchCandidateOut(serializers.Serializer):
    external_id = serializers.CharField()
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())


class CanViewCases(BasePermission):
    """Staff with rescue.view_case: matching reads reports, it writes nothing."""

    def has_permission(self, request, view):
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and getattr(user, "kind", "") == "staff"
            and user.has_perm("rescue.view_case")
        )


class Match(APIView):
    """Rank the open reports for a found person described in the request (nothing stored)."""

    permission_classes = [CanViewCases]

    @extend_schema(request=MatchIn, responses=MatchCandidateOut(many=True))
    def post(self, request):
        data = MatchIn(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        query = matching.FoundQuery(
            name=d["name"],
            sex=d["sex"],
            age_min=d["age_min"],
            age_max=d["age_max"],
            found_date=d["found_date"],
            found_place=d["found_place"],
            description=d["description"],
        )
        return Response([c.as_dict() for c in selectors.match_query(query, top=d["top"])])
