"""python manage.py learning_collect

Collects (超时收卷) and scores every monthly-test sitting whose server-side deadline has
passed without a submission, e.g. a member who closed the page. Meant for a schedule of a
few minutes; safe to run at any time and twice (each sitting is locked and moved once)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from minzheng.learning import services


class Command(BaseCommand):
    help = "Collect and score sittings past their deadline."

    def handle(self, *args, **options):
        self.stdout.write(f"{services.sittings_collect()} sittings collected.")
