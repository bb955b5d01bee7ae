"""Read-only ledger API: accounts with balances and journal entries with their lines."""

from rest_framework import generics, serializers

from . import selectors
from .models import Account, JournalEntry, JournalLine


class AccountOut(serializers.ModelSerializer):
    division = serializers.CharField(source="division_id")

    class Meta:
        model = Account
        fields = ["id", "code", "name", "kind", "division", "year", "balance"]


class LineOut(serializers.ModelSerializer):
    account = serializers.CharField(source="account.code")

    class Meta:
        model = JournalLine
        fields = ["account", "party", "debit", "credit"]


class EntryOut(serializers.ModelSerializer):
    number = serializers.CharField()
    lines = LineOut(many=True)

    class Meta:
        model = JournalEntry
        fields = ["id", "number", "posted_on", "memo", "source", "total", "reverses", "lines"]


class AccountList(generics.ListAPIView):
    serializer_class = AccountOut
    filterset_fields = ["kind", "year", "code"]

    def get_queryset(self):
        return selectors.accounts_for(self.request.user)


class EntryList(generics.ListAPIView):
    serializer_class = EntryOut
    filterset_fields = ["source"]

    def get_queryset(self):
        return selectors.entries_for(self.request.user).prefetch_related("lines__account")
