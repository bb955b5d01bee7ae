from django.core.management.base import BaseCommand

from minzheng.programs.setup import ensure_defaults


class Command(BaseCommand):
    help = "Create the default programmes and their policy parameters (idempotent)."

    def handle(self, *args, **options):
        programmes = ensure_defaults()
        self.stdout.write(self.style.SUCCESS(f"{len(programmes)} programmes ready."))
