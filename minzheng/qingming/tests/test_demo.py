import io

import pytest

from minzheng.qingming import demo, selectors, services
from minzheng.qingming.models import Reservation, Season

pytestmark = pytest.mark.django_db


def test_demo_2021_totals_come_from_records_and_2027_has_every_state(admin_user):
    out = demo.run(stdout=io.StringIO(), password="Demo-Password-1x")
    assert "1,268,641 人次、300,112 辆次" in out
    season_2021 = Season.objects.get(year=2021)
    rows, total = selectors.season_totals(user=admin_user, season=season_2021)
    assert (total.visits, total.vehicles, len(rows)) == (1_268_641, 300_112, 7)
    season_2027 = Season.objects.get(year=2027)
    assert str(season_2027.starts_on) == "2027-03-26"
    states = set(Reservation.objects.filter(season=season_2027).values_list("status", flat=True))
    assert states == set(Reservation.Status.values)
    assert services.reconcile() == []
    before = Reservation.objects.count()
    demo.run(stdout=io.StringIO(), password="Demo-Password-1x")  # idempotent
    assert Reservation.objects.count() == before
    assert selectors.season_totals(user=admin_user, season=season_2021)[1].visits == 1_268_641
