"""Recount every Qingming counter from its rows: slot places and car spaces against
reservations, ID quotas against bookings and no-shows, gate buckets against scans.
Exits 1 when anything differs (for a nightly job's alert), 0 when all agree."""

from django.core.management.base import BaseCommand, CommandError

from minzheng.qingming import services
from minzheng.qingming.models import Season


class Command(BaseCommand):
    help = "比对清明预约计数器与明细记录（名额、证件限额、出入口计数），有差异时退出码为 1"

    def add_arguments(self, parser):
        parser.add_argument("--season", type=int, help="年份，如 2027；不填则全部")

    def handle(self, *args, season=None, **options):
        target = None
        if season:
            target = Season.objects.filter(year=season).first()
            if target is None:
                raise CommandError(f"没有 {season} 年的祭扫季")
        diffs = services.reconcile(season=target)
        for d in diffs:
            self.stdout.write(f"DIFF {d.what} {d.key}: counter={d.counter} rows={d.rows}")
        if diffs:
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS("计数器与明细一致（0 处差异）"))
