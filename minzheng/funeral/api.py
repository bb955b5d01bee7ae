"""API of the funeral fee exemption (/api/v1/funeral/): services (list, create, void) and
settlements (list). Rows are narrowed by the same selectors as the pages (scope, and a
funeral home's staff to their own home); writes go through the services."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from minzheng.core.api_permissions import StaffModelPermissions
from minzheng.core.validators import MAX_ID, as_id

from . import selectors, services
from .models import ServiceRecord, Settlement
from .rules import ITEMS, MAX_QUANTITY


class ServiceList(generics.ListCreateAPIView):
    class FuneralServiceOut(serializers.ModelSerializer):
        number = serializers.CharField(source="application.number")
        home = serializers.CharField(source="home.name")
        division = serializers.CharField(source="division_id")
        settled = serializers.SerializerMethodField()
        status = serializers.SerializerMethodField()

        class Meta:
            model = ServiceRecord
            fields = [
                "id",
                "number",
                "home_id",
                "home",
                "deceased_name",
                "deceased_id_masked",
                "division",
                "death_date",
                "service_date",
                "items",
                "amount",
                "settled",
                "status",
                "voided_at",
                "void_reason",
            ]

        def get_settled(self, obj) -> bool:
            return obj.settlement_id is not None

        def get_status(self, obj) -> str:
            """voided (已作废), settled (已结算) or unsettled (待结算)."""
            if obj.voided_at is not None:
                return "voided"
            return "settled" if obj.settlement_id is not None else "unsettled"

    class FuneralServiceIn(serializers.Serializer):
        home_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
        deceased_name = serializers.CharField(max_length=40)
        deceased_id_number = serializers.CharField(max_length=18)
        death_date = serializers.DateField()
        service_date = serializers.DateField()
        quantities = serializers.DictField(
            child=serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY),
            help_text="项目代码 → 数量："
            + "、".join(f"{i.code} {i.name}（{i.unit}）" for i in ITEMS),
        )
        hukou_division_code = serializers.CharField(max_length=12, required=False, allow_blank=True)
        family_contact = serializers.CharField(max_length=40, required=False, allow_blank=True)
        idempotency_key = serializers.CharField(max_length=60, required=False, allow_blank=True)

    serializer_class = FuneralServiceOut

    def get_queryset(self):
        params = self.request.query_params
        qs = selectors.service_list(
            user=self.request.user, status=params.get("status", selectors.STATUS_LIVE)
        ).order_by("-id")
        home, month = params.get("home"), params.get("month")
        if as_id(home):
            qs = qs.filter(home_id=as_id(home))
        if month and len(month) == 7:
            qs = qs.filter(service_date__startswith=month)
        return qs

    @extend_schema(
        summary="殡葬费用免除记录",
        parameters=[
            OpenApiParameter("home", int),
            OpenApiParameter("month", str, description="YYYY-MM"),
            OpenApiParameter(
                "status",
                str,
                enum=[selectors.STATUS_VOIDED, selectors.STATUS_ALL],
                description="默认只列未作废的记录；voided 只列已作废的，all 列全部。",
            ),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="登记殡葬费用免除（现场核准）",
        request=FuneralServiceIn,
        responses={201: FuneralServiceOut},
    )
    def post(self, request, *args, **kwargs):
        data = self.FuneralServiceIn(data=request.data)
        data.is_valid(raise_exception=True)
        unknown = set(data.validated_data["quantities"]) - {i.code for i in ITEMS}
        if unknown:
            return Response(
                {"quantities": [f"未知项目：{'、'.join(sorted(unknown))}"]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            record = services.service_record(
                actor=request.user, data=services.ServiceInput(**data.validated_data)
            )
        except DjangoValidationError as exc:
            return Response(
                exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(self.FuneralServiceOut(record).data, status=status.HTTP_201_CREATED)


class ServiceVoid(APIView):
    """Void (作废) one unsettled record: 200 with the record, 400 bad reason, 404 not in
    the user's scope (or another home's), 409 settled or already voided."""

    class FuneralServiceVoidIn(serializers.Serializer):
        reason = serializers.CharField(
            max_length=services.VOID_REASON_MAX, help_text="作废原因（必填，200 字以内）"
        )

    class CanVoid(StaffModelPermissions):
        perms_map = {**StaffModelPermissions.perms_map, "POST": ["funeral.void_servicerecord"]}

    permission_classes = [CanVoid]
    queryset = ServiceRecord.objects.none()  # the model whose permissions CanVoid reads

    @extend_schema(
        summary="作废殡葬费用免除记录（结算前）",
        request=FuneralServiceVoidIn,
        responses={
            200: ServiceList.FuneralServiceOut,
            400: OpenApiResponse(description="作废原因为空或过长：字段 → 错误信息"),
            404: OpenApiResponse(description="记录不存在或不在您的管辖范围内"),
            409: OpenApiResponse(description="已纳入月度结算（请先冲销结算）或已作废"),
        },
    )
    def post(self, request, pk: int):
        try:
            record = selectors.service_detail(user=request.user, pk=pk)
        except Http404:
            return Response({"detail": "未找到。"}, status=status.HTTP_404_NOT_FOUND)
        data = self.FuneralServiceVoidIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            record = services.service_void(
                actor=request.user, record=record, reason=data.validated_data["reason"]
            )
        except services.ServiceVoidConflict as exc:
            return Response(exc.message_dict, status=status.HTTP_409_CONFLICT)
        except DjangoValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        except DjangoPermissionDenied:
            return Response({"detail": "未找到。"}, status=status.HTTP_404_NOT_FOUND)
        return Response(ServiceList.FuneralServiceOut(record).data)


class SettlementList(generics.ListAPIView):
    class FuneralSettlementOut(serializers.ModelSerializer):
        home = serializers.CharField(source="home.name")

        class Meta:
            model = Settlement
            fields = [
                "id",
                "home_id",
                "home",
                "month",
                "revision",
                "status",
                "service_count",
                "total",
                "posted_on",
                "entry_id",
                "reversal_entry_id",
                "reversal_reason",
            ]

    serializer_class = FuneralSettlementOut
    filterset_fields = ["home", "status", "month"]

    def get_queryset(self):
        return selectors.settlements_for(self.request.user).order_by("-id")

    @extend_schema(summary="殡仪馆月度结算")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
