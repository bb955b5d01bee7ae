import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from minzheng.programs.services import publicity_close_due


class Command(BaseCommand):
    help = "Move every case whose publicity (公示) ended before the date to review (run daily)."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=dt.date.fromisoformat, default=None)
        parser.add_argument("--actor", default="admin", help="username recorded on the transitions")

    def handle(self, *args, date=None, actor="admin", **options):
        user = get_user_model().objects.filter(username=actor).first()
        if user is None:
            raise CommandError(f"no user {actor!r}")
        n = publicity_close_due(actor=user, on=date)
        self.stdout.write(self.style.SUCCESS(f"{n} cases moved to review."))
