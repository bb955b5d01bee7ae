"""python manage.py learning_remind [--date YYYY-MM-DD] [--channel sms|app]

每日一学 reminders, meant for a daily schedule (cron or Celery beat, e.g. 20:00): one SMS
(console in the embedded setup) to each party member of a branch that receives study
material and has not studied that day. Running it twice sends each reminder once (the
messages are keyed per member and day). With --channel app nothing is sent: the portal's
own page shows the reminder."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from minzheng.learning import services


class Command(BaseCommand):
    help = "Queue 每日一学 reminders for party members who have not studied today."

    def add_arguments(self, parser):
        parser.add_argument("--date", default="")
        parser.add_argument("--channel", choices=["sms", "app"], default="sms")

    def handle(self, *args, **options):
        day = None
        if options["date"]:
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("--date must be YYYY-MM-DD") from None
        n = services.reminders_send(day=day, channel=options["channel"])
        self.stdout.write(f"{n} reminders queued.")
