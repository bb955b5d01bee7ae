"""Mark a day's bookings that nobody checked in for as no-shows (run after closing time,
e.g. nightly for yesterday). Safe to run twice."""

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from minzheng.qingming import services


class Command(BaseCommand):
    help = "把某日未入园的预约标记为未到场（默认昨天）"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD，默认昨天")

    def handle(self, *args, date=None, **options):
        day = dt.date.fromisoformat(date) if date else timezone.localdate() - dt.timedelta(days=1)
        n = services.reservations_mark_no_show(day=day)
        self.stdout.write(f"{day}: {n} 笔预约标记为未到场")
