"""Qingming API (/api/v1/qingming/): thin views over services and selectors.

Public reads (cemeteries, slots) need no account: they hold no personal data. Residents
book online with their own account; staff book on a resident's behalf (counter/phone)
and record gate scans.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from minzheng.core.context import client_ip
from minzheng.core.validators import MAX_ID, as_id, as_int, parse_event_date

from . import ratelimit, rules, selectors, services
from .models import Cemetery, CheckIn, Reservation, Slot


class ConflictResponse(serializers.Serializer):
    reason = serializers.CharField()
    detail = serializers.CharField()


def _conflict(exc: services.BookingConflict) -> Response:
    return Response({"reason": exc.reason, "detail": exc.message}, status=status.HTTP_409_CONFLICT)


def _parse_date(value: str | None, field: str = "date") -> dt.date:
    # A date in the platform's window (core.validators): 9999-12-31 is no day to count.
    return parse_event_date(value, field=field)


class CemeteryOut(serializers.ModelSerializer):
    town = serializers.CharField(source="division.name")
    gates = serializers.SerializerMethodField()

    class Meta:
        model = Cemetery
        fields = ["id", "name", "town", "address", "is_illustrative", "gates"]

    def get_gates(self, obj) -> list[dict]:
        return [{"id": g.pk, "name": g.name} for g in obj.gates.all() if g.is_active]


class CemeteryListApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=CemeteryOut(many=True), summary="墓园列表")
    def get(self, request):
        qs = selectors.cemeteries().select_related("division").prefetch_related("gates")
        return Response(CemeteryOut(qs, many=True).data)


class SlotOut(serializers.ModelSerializer):
    remaining = serializers.IntegerField()
    cars_remaining = serializers.IntegerField()

    class Meta:
        model = Slot
        fields = [
            "id",
            "date",
            "starts_at",
            "ends_at",
            "capacity",
            "remaining",
            "car_capacity",
            "cars_remaining",
        ]


class SlotListApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("cemetery", int, required=True),
            OpenApiParameter("date", str, required=True, description="YYYY-MM-DD"),
        ],
        responses=SlotOut(many=True),
        summary="某墓园某日的时段与余量",
    )
    def get(self, request):
        cemetery = as_id(request.query_params.get("cemetery"))
        day = _parse_date(request.query_params.get("date"))
        if cemetery is None:
            raise ValidationError({"cemetery": _("请指定墓园。")})
        return Response(SlotOut(selectors.slots_for(cemetery_id=cemetery, day=day), many=True).data)


class ReservationOut(serializers.Serializer):
    """A booking as the portal and the gate app see it (masked ID and phone). Fields are
    declared, not introspected from the model: this serializer answers every booking at
    the opening burst, and a ModelSerializer rebuilds its fields on every instantiation."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    short_code = serializers.CharField()
    qr = serializers.SerializerMethodField()
    cemetery = serializers.CharField(source="cemetery.name")
    visit_date = serializers.DateField()
    starts_at = serializers.TimeField(source="slot.starts_at")
    ends_at = serializers.TimeField(source="slot.ends_at")
    name = serializers.CharField()
    id_number_masked = serializers.CharField()
    phone_masked = serializers.CharField()
    party_size = serializers.IntegerField()
    plate = serializers.CharField()
    status = serializers.ChoiceField(choices=Reservation.Status.choices)
    channel = serializers.ChoiceField(choices=Reservation.Channel.choices)
    created_at = serializers.DateTimeField()

    def get_qr(self, obj) -> str:
        return services.qr_payload(obj)


_DATETIME = serializers.DateTimeField()  # the API's datetime format and time zone


def reservation_out(r: Reservation) -> dict:
    """ReservationOut's representation, built directly: this answers every booking of the
    opening burst, where the serializer's per-instance field copies cost more than the
    booking's SQL. ReservationOut stays the documented schema; a test holds the two equal."""
    return {
        "id": r.pk,
        "code": r.code,
        "short_code": r.short_code,
        "qr": services.qr_payload(r),
        "cemetery": r.cemetery.name,
        "visit_date": r.visit_date.isoformat(),
        "starts_at": r.slot.starts_at.isoformat(),
        "ends_at": r.slot.ends_at.isoformat(),
        "name": r.name,
        "id_number_masked": r.id_number_masked,
        "phone_masked": r.phone_masked,
        "party_size": r.party_size,
        "plate": r.plate,
        "status": r.status,
        "channel": r.channel,
        "created_at": _DATETIME.to_representation(r.created_at),
    }


def booking_input(data) -> dict:
    """The booking request's fields with their types (ReservationApi.Input is the documented
    schema; a test holds the two equal). Field rules (ID number, plate, party size …) are the
    service's; this only refuses what is missing or of the wrong type, with Chinese messages."""
    if not isinstance(data, dict):
        raise ValidationError({"non_field_errors": _("请求内容须为 JSON 对象。")})
    errors: dict[str, str] = {}
    out: dict = {}
    for name, label in (("slot", _("时段")), ("party_size", _("祭扫人数"))):
        number = as_int(data.get(name))
        if number is None:
            errors[name] = _("请填写%(label)s（整数）。") % {"label": label}
        else:
            out[name] = number
    for name, required, max_length in (
        ("name", True, 40),
        ("id_number", True, 24),
        ("plate", False, 12),
        ("phone", False, 20),
    ):
        value = data.get(name, "")
        if value is None or not isinstance(value, str):
            errors[name] = _("此项须为文字。")
        elif required and not value.strip():
            errors[name] = _("此项为必填项。")
        elif len(value) > max_length:
            errors[name] = _("不能超过 %(n)d 个字符。") % {"n": max_length}
        else:
            out[name] = value
    channel = data.get("channel") or Reservation.Channel.ONLINE
    if channel not in Reservation.Channel.values:
        errors["channel"] = _("预约渠道不正确。")
    out["channel"] = channel
    if errors:
        raise ValidationError(errors)
    return out


class IsSignedIn(permissions.IsAuthenticated):
    pass


class ReservationApi(APIView):
    """POST: book (resident: online; staff with qingming.add_reservation: counter/phone).
    GET: the resident's own bookings, or for staff the bookings in their scope."""

    permission_classes = [IsSignedIn]

    # Nested serializers are named by their class name in the schema: every nested `Input`
    # needs its own component name, or two endpoints share one request body.
    @extend_schema_serializer(component_name="Booking")
    class Input(serializers.Serializer):
        slot = serializers.IntegerField(min_value=1, max_value=MAX_ID)
        name = serializers.CharField(max_length=40)
        id_number = serializers.CharField(max_length=24)
        party_size = serializers.IntegerField()
        plate = serializers.CharField(max_length=12, required=False, allow_blank=True, default="")
        phone = serializers.CharField(
            max_length=20,
            required=False,
            allow_blank=True,
            default="",
            help_text="只用于工作人员代约；网上预约使用账号已验证的手机号码",
        )
        channel = serializers.ChoiceField(
            choices=Reservation.Channel.choices, required=False, default=Reservation.Channel.ONLINE
        )

    @extend_schema(
        request=Input,
        summary="预约（Idempotency-Key 请求头可安全重试）",
        parameters=[
            OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)
        ],
        responses={201: ReservationOut, 400: None, 409: ConflictResponse, 429: ConflictResponse},
    )
    def post(self, request):
        limited = ratelimit.BOOKING.hit(client_ip(request))
        if not limited.allowed:
            wait = limited.retry_after
            return Response(
                {"reason": "rate_limited", "detail": ratelimit.message(wait)},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(wait)},
            )
        d = booking_input(request.data)
        channel = d["channel"] if request.user.kind == "staff" else Reservation.Channel.ONLINE
        if request.user.kind == "staff" and channel == Reservation.Channel.ONLINE:
            channel = Reservation.Channel.COUNTER
        try:
            reservation, created = services.reservation_create(
                actor=request.user,
                slot_id=d["slot"],
                channel=channel,
                visitor=services.VisitorInput(
                    name=d["name"],
                    id_number=d["id_number"],
                    party_size=d["party_size"],
                    plate=d["plate"],
                    phone=d["phone"],
                ),
                idempotency_key=request.headers.get("Idempotency-Key"),
            )
        except services.BookingConflict as exc:
            return _conflict(exc)
        headers = {} if created else {"Idempotent-Replayed": "true"}
        return Response(
            reservation_out(reservation), status=status.HTTP_201_CREATED, headers=headers
        )

    @extend_schema(responses=ReservationOut(many=True), summary="我的预约 / 范围内的预约")
    def get(self, request):
        if request.user.kind == "resident":
            qs = selectors.my_reservations(request.user)[:100]
        else:
            if not request.user.has_perm("qingming.view_reservation"):
                return Response(status=status.HTTP_403_FORBIDDEN)
            day = (
                _parse_date(request.query_params["date"])
                if request.query_params.get("date")
                else None
            )
            qs = selectors.reservation_list(
                user=request.user, q=request.query_params.get("q", ""), day=day
            )[:200]
        return Response([reservation_out(r) for r in qs])


class ReservationCancelApi(APIView):
    permission_classes = [IsSignedIn]

    @extend_schema(
        request=None, responses={200: ReservationOut, 400: None, 404: None}, summary="取消预约"
    )
    def post(self, request, code: str):
        from django.http import Http404

        from minzheng.core.scope import scope_queryset

        qs = Reservation.objects.select_related("slot", "cemetery")
        if request.user.kind == "resident":
            r = qs.filter(code=code, booked_by=request.user).first()
        else:
            r = scope_queryset(qs, request.user).filter(code=code).first()
        if r is None:
            raise Http404
        services.reservation_cancel(
            actor=request.user, reservation=r, reason=str(request.data.get("reason", ""))[:200]
        )
        return Response(reservation_out(r))


class CheckInOut(serializers.ModelSerializer):
    reservation = serializers.SerializerMethodField()

    class Meta:
        model = CheckIn
        fields = [
            "id",
            "nonce",
            "gate",
            "kind",
            "direction",
            "people",
            "cars",
            "is_reentry",
            "scanned_at",
            "reservation",
        ]

    def get_reservation(self, obj) -> dict | None:
        r = obj.reservation
        if r is None:
            return None
        return {
            "short_code": r.short_code,
            "name": r.name,
            "id_number_masked": r.id_number_masked,
            "party_size": r.party_size,
            "plate": r.plate,
            "status": r.get_status_display(),
        }


class CheckInApi(APIView):
    """Gate scans (code) and counts (kind walk_in / green with people, cars). Staff only
    (model permission qingming.add_checkin). Idempotent on `nonce`."""

    queryset = CheckIn.objects.none()  # for StaffModelPermissions

    @extend_schema_serializer(component_name="CheckInScan")
    class Input(serializers.Serializer):
        gate = serializers.IntegerField(min_value=1, max_value=MAX_ID)
        direction = serializers.ChoiceField(choices=CheckIn.Direction.choices)
        nonce = serializers.CharField(max_length=64)
        code = serializers.CharField(max_length=400, required=False, allow_blank=True, default="")
        kind = serializers.ChoiceField(
            choices=CheckIn.Kind.choices, required=False, default=CheckIn.Kind.BOOKING
        )
        # The service holds the rule (people 0–50, cars 0–10); these only keep numbers sane.
        people = serializers.IntegerField(required=False, default=0, min_value=0, max_value=1000)
        cars = serializers.IntegerField(required=False, default=0, min_value=0, max_value=1000)
        scanned_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    @extend_schema(
        request=Input,
        summary="入园/出园核验（nonce 幂等）",
        responses={201: CheckInOut, 200: CheckInOut, 400: None, 409: ConflictResponse},
    )
    def post(self, request):
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        try:
            if d["kind"] == CheckIn.Kind.BOOKING:
                if not d["code"]:
                    raise ValidationError({"code": _("请扫描二维码或输入核验码。")})
                result = services.checkin_scan(
                    actor=request.user,
                    code=d["code"],
                    gate_id=d["gate"],
                    direction=d["direction"],
                    nonce=d["nonce"],
                    scanned_at=d["scanned_at"],
                )
            else:
                result = services.checkin_count(
                    actor=request.user,
                    gate_id=d["gate"],
                    direction=d["direction"],
                    people=d["people"],
                    cars=d["cars"],
                    kind=d["kind"],
                    nonce=d["nonce"],
                    scanned_at=d["scanned_at"],
                )
        except services.BookingConflict as exc:
            return _conflict(exc)
        body = CheckInOut(result.checkin).data | {"replayed": result.replayed}
        return Response(
            body, status=status.HTTP_200_OK if result.replayed else status.HTTP_201_CREATED
        )


class LiveApi(APIView):
    """Per cemetery and gate: people inside, arrivals, cars parked, warnings; and arrivals
    per 15 minutes for the chart."""

    queryset = CheckIn.objects.none()

    def get_permissions(self):
        return [permissions.IsAuthenticated()]

    @extend_schema(
        parameters=[OpenApiParameter("date", str, required=False)],
        summary="实时人流与车辆",
        responses=inline_serializer(
            "Live",
            {
                "date": serializers.DateField(),
                "cemeteries": serializers.ListField(),
                "series": serializers.DictField(),
            },
        ),
    )
    def get(self, request):
        if not request.user.has_perm("qingming.view_gatebucket"):
            return Response(status=status.HTTP_403_FORBIDDEN)
        day = (
            _parse_date(request.query_params["date"])
            if request.query_params.get("date")
            else timezone.localdate()
        )
        rows, ratio = selectors.live_overview(user=request.user, day=day)
        return Response(
            {
                "date": day,
                "warning_ratio": str(ratio),
                "cemeteries": [
                    {
                        "id": c.cemetery.pk,
                        "name": c.cemetery.name,
                        "inside": c.inside,
                        "max_inside": c.cemetery.max_inside,
                        "arrivals": c.arrivals,
                        "green": c.green,
                        "cars_parked": c.cars_parked,
                        "car_capacity": c.car_capacity,
                        "warn_people": c.warn_people,
                        "warn_cars": c.warn_cars,
                        "gates": [
                            {
                                "id": g.gate.pk,
                                "name": g.gate.name,
                                "arrivals": g.arrivals,
                                "departures": g.departures,
                            }
                            for g in c.gates
                        ],
                    }
                    for c in rows
                ],
                "series": selectors.arrivals_series(user=request.user, day=day),
                "bucket_minutes": rules.BUCKET_MINUTES,
            }
        )
