"""The ledger's lists run the same number of queries however many rows they show."""

import pytest

from minzheng.ledger import accounts as chart

from .test_services import fund


@pytest.mark.django_db
def test_entry_and_account_lists_do_not_query_per_row(client, district_officer, queries_of):
    chart.open_bank()
    chart.open_budget("TA", "临时救助", 2026)
    client.force_login(district_officer)

    def pages():
        assert client.get("/staff/ledger/entries/").status_code == 200
        assert client.get("/staff/ledger/").status_code == 200

    fund(district_officer, "100", key="k0")
    queries_of(pages)  # warm: session, permissions and content-type caches
    few = queries_of(pages)
    for i in range(1, 6):
        fund(district_officer, "100", key=f"k{i}")
    chart.open_reserve("440605011000", "桂城街道")
    chart.open_payable("TA", "临时救助")
    assert queries_of(pages) == few
