from django.core.management.base import BaseCommand

from minzheng.core.demo import STEPS


class Command(BaseCommand):
    help = (
        "Create the demo district's accounts and data (idempotent). Every module adds its own step."
    )

    def add_arguments(self, parser):
        parser.add_argument("--password", required=True, help="password of every demo account")

    def handle(self, *args, password: str, **options):
        for step in STEPS:
            self.stdout.write(f"· {step.name} …")
            summary = step.run(stdout=self.stdout, password=password)
            self.stdout.write(self.style.SUCCESS(f"  {summary}"))
