"""Charity API (/api/v1/charity/): public campaign lists and disclosures, donations and
spending by an organisation's staff, fund statements, and the payment provider's callback."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from minzheng.core.validators import validate_event_date

from . import selectors, services
from .models import Campaign, Donation, DonorKind, Method, Purpose, Spending

MAX_ID = 2**31 - 1


class StaffWith(BasePermission):
    """A staff account holding the view's `perm`."""

    def has_permission(self, request, view):
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and getattr(user, "kind", "") == "staff"
            and user.has_perm(view.perm)
        )


class CampaignOut(serializers.ModelSerializer):
    charity = serializers.CharField(source="charity.name")

    class Meta:
        model = Campaign
        fields = [
            "id",
            "title",
            "kind",
            "charity",
            "purpose",
            "filing_number",
            "channels",
            "starts_on",
            "ends_on",
            "target",
            "state",
        ]


class CampaignList(APIView):
    """Published campaigns (募捐中, 已结束, 已公开结项报告) — public."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(responses=CampaignOut(many=True), summary="公开的募捐活动")
    def get(self, request):
        return Response(CampaignOut(selectors.public_campaigns()[:200], many=True).data)


class PurposeOut(serializers.Serializer):
    purpose = serializers.CharField()
    label = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    beneficiaries = serializers.IntegerField()


class DonorOut(serializers.Serializer):
    name = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    received_on = serializers.DateField()


class DisclosureOut(serializers.Serializer):
    campaign = CampaignOut()
    as_of = serializers.CharField()
    raised = serializers.DecimalField(max_digits=14, decimal_places=2)
    raised_money = serializers.DecimalField(max_digits=14, decimal_places=2)
    raised_in_kind = serializers.DecimalField(max_digits=14, decimal_places=2)
    spent = serializers.DecimalField(max_digits=14, decimal_places=2)
    balance = serializers.DecimalField(max_digits=14, decimal_places=2)
    donations = serializers.IntegerField()
    donors_person = serializers.IntegerField()
    donors_organisation = serializers.IntegerField()
    donors_anonymous = serializers.IntegerField()
    beneficiaries = serializers.IntegerField()
    by_purpose = PurposeOut(many=True)
    latest_donors = DonorOut(many=True)


class CampaignDisclosure(APIView):
    """A published campaign's totals, computed from the ledger and the records."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(responses={200: DisclosureOut, 404: None}, summary="募捐活动信息公开")
    def get(self, request, pk: int):
        campaign = selectors.public_campaign(pk)
        f = selectors.campaign_figures(campaign)
        data = {
            "campaign": campaign,
            **{k: getattr(f, k) for k in DisclosureOut._declared_fields if hasattr(f, k)},
            "latest_donors": selectors.public_donors(campaign),
        }
        return Response(DisclosureOut(data).data)


class DonationOut(serializers.ModelSerializer):
    receipt_number = serializers.SerializerMethodField()

    class Meta:
        model = Donation
        fields = [
            "id",
            "campaign",
            "fund",
            "amount",
            "method",
            "donor_name",
            "donor_kind",
            "anonymous",
            "donor_id_masked",
            "donor_credit_code",
            "received_on",
            "receipt_number",
        ]

    def get_receipt_number(self, obj) -> str | None:
        r = obj.receipts.filter(voided_at__isnull=True).first()
        return r.number if r else None


class Donations(APIView):
    perm = "charity.add_donation"
    permission_classes = [StaffWith]

    @extend_schema_serializer(component_name="CharityDonationInput")
    class Input(serializers.Serializer):
        campaign = serializers.IntegerField(
            min_value=1, max_value=MAX_ID, required=False, allow_null=True
        )
        fund = serializers.IntegerField(
            min_value=1, max_value=MAX_ID, required=False, allow_null=True
        )
        amount = serializers.CharField(max_length=20, help_text='元，最多两位小数，如 "100.00"')
        method = serializers.ChoiceField(
            choices=[(m, m) for m in (Method.BANK_TRANSFER, Method.CASH, Method.ONLINE)]
        )
        donor_name = serializers.CharField(max_length=100)
        donor_kind = serializers.ChoiceField(choices=DonorKind.choices)
        anonymous = serializers.BooleanField(default=False)
        donor_id_number = serializers.CharField(
            max_length=24, required=False, allow_blank=True, default=""
        )
        donor_credit_code = serializers.CharField(
            max_length=24, required=False, allow_blank=True, default=""
        )
        received_on = serializers.DateField(validators=[validate_event_date])

    @extend_schema(
        request=Input,
        responses={201: DonationOut, 400: None},
        summary="登记捐赠（Idempotency-Key 请求头可安全重试）",
        parameters=[
            OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)
        ],
    )
    def post(self, request):
        s = self.Input(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        donation, created = services.donation_record(
            actor=request.user,
            data=services.DonationInput(
                amount=d["amount"],
                method=d["method"],
                donor_name=d["donor_name"],
                donor_kind=d["donor_kind"],
                received_on=d["received_on"],
                campaign_id=d.get("campaign"),
                fund_id=d.get("fund"),
                anonymous=d["anonymous"],
                donor_id_number=d["donor_id_number"],
                donor_credit_code=d["donor_credit_code"],
            ),
            idempotency_key=(request.headers.get("Idempotency-Key") or "")[:80] or None,
        )
        headers = {} if created else {"Idempotent-Replayed": "true"}
        return Response(DonationOut(donation).data, status=status.HTTP_201_CREATED, headers=headers)


class GiftOut(serializers.Serializer):
    id = serializers.IntegerField()
    received_on = serializers.DateField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    method = serializers.CharField()
    item = serializers.CharField()


class FundSpendingOut(serializers.Serializer):
    id = serializers.IntegerField()
    spent_on = serializers.DateField()
    purpose = serializers.CharField()
    purpose_label = serializers.CharField()
    description = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    beneficiary_count = serializers.IntegerField()


class FundStatementOut(serializers.Serializer):
    fund = serializers.CharField()
    founder = serializers.CharField()
    received = serializers.DecimalField(max_digits=14, decimal_places=2)
    spent = serializers.DecimalField(max_digits=14, decimal_places=2)
    balance = serializers.DecimalField(max_digits=14, decimal_places=2)
    yearly_min_spend = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    gifts = GiftOut(many=True)
    spendings = FundSpendingOut(many=True)


class SignedIn(BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated)


class FundStatement(APIView):
    """The fund's staff (and officers in scope), or its founder signed in on the portal."""

    permission_classes = [SignedIn]

    @extend_schema(responses={200: FundStatementOut, 404: None}, summary="冠名基金报表")
    def get(self, request, pk: int):
        user = request.user
        if getattr(user, "kind", "") == "resident":
            fund = selectors.funds_of_founder(user).filter(pk=pk).first()
            if fund is None:
                raise Http404
        else:
            if not user.has_perm("charity.view_namedfund"):
                raise Http404
            fund = selectors.fund_detail(user=user, pk=pk)
        st = selectors.fund_statement(fund)
        return Response(
            FundStatementOut(
                {
                    "fund": fund.name,
                    "founder": fund.founder_name,
                    "received": st.received,
                    "spent": st.spent,
                    "balance": st.balance,
                    "yearly_min_spend": st.yearly_min_spend,
                    "gifts": st.gifts,
                    "spendings": st.spendings,
                }
            ).data
        )


class SpendingOut(serializers.ModelSerializer):
    class Meta:
        model = Spending
        fields = [
            "id",
            "campaign",
            "fund",
            "purpose",
            "description",
            "amount",
            "payee_name",
            "spent_on",
            "beneficiary_count",
            "state",
            "requested_by",
            "approved_by",
        ]


class Spendings(APIView):
    perm = "charity.add_spending"
    permission_classes = [StaffWith]

    @extend_schema_serializer(component_name="CharitySpendingInput")
    class Input(serializers.Serializer):
        campaign = serializers.IntegerField(
            min_value=1, max_value=MAX_ID, required=False, allow_null=True
        )
        fund = serializers.IntegerField(
            min_value=1, max_value=MAX_ID, required=False, allow_null=True
        )
        purpose = serializers.ChoiceField(choices=Purpose.choices)
        description = serializers.CharField(max_length=200)
        amount = serializers.CharField(max_length=20)
        payee_name = serializers.CharField(max_length=100)
        spent_on = serializers.DateField(validators=[validate_event_date])
        beneficiary_count = serializers.IntegerField(min_value=0, max_value=10_000_000, default=0)
        beneficiary_note = serializers.CharField(
            max_length=200, required=False, allow_blank=True, default=""
        )

    @extend_schema(request=Input, responses={201: SpendingOut, 400: None}, summary="支出申请")
    def post(self, request):
        s = self.Input(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        spending = services.spending_request(
            actor=request.user,
            data=services.SpendingInput(
                purpose=d["purpose"],
                description=d["description"],
                amount=d["amount"],
                payee_name=d["payee_name"],
                spent_on=d["spent_on"],
                campaign_id=d.get("campaign"),
                fund_id=d.get("fund"),
                beneficiary_count=d["beneficiary_count"],
                beneficiary_note=d["beneficiary_note"],
            ),
            idempotency_key=(request.headers.get("Idempotency-Key") or "")[:80] or None,
        )
        return Response(SpendingOut(spending).data, status=status.HTTP_201_CREATED)


class ConflictOut(serializers.Serializer):
    amount = serializers.ListField(child=serializers.CharField())


class SpendingApprove(APIView):
    perm = "charity.approve_spending"
    permission_classes = [StaffWith]

    @extend_schema(
        request=None,
        responses={200: SpendingOut, 400: None, 404: None, 409: ConflictOut},
        summary="审核通过支出（余额不足为 409，不写入任何记录）",
    )
    def post(self, request, pk: int):
        spending = selectors.spending_detail(user=request.user, pk=pk)
        try:
            services.spending_approve(actor=request.user, spending=spending)
        except services.SpendingConflict as exc:
            return Response(exc.message_dict, status=status.HTTP_409_CONFLICT)
        return Response(SpendingOut(spending).data)


class PaymentCallbackOut(serializers.Serializer):
    donation = serializers.IntegerField()
    receipt_number = serializers.CharField(allow_null=True)


class PaymentCallback(APIView):
    """The payment provider's notice; X-Signature = hex HMAC-SHA256 of the raw body."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        request={"application/json": {"type": "object"}},
        responses={200: PaymentCallbackOut, 400: None},
        parameters=[OpenApiParameter("X-Signature", str, OpenApiParameter.HEADER, required=True)],
        summary="网上支付结果通知（HMAC 签名）",
    )
    def post(self, request):
        donation = services.payment_callback(
            body=request.body, signature=request.headers.get("X-Signature", "")
        )
        receipt = donation.receipts.first()
        return Response({"donation": donation.pk, "receipt_number": receipt and receipt.number})
