from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from minzheng.core.services import divisions_load_file


class Command(BaseCommand):
    help = "Load a district's divisions from a CSV file with columns code,name,level,parent_code."

    def add_arguments(self, parser):
        parser.add_argument("csv_file", type=Path)

    def handle(self, *args, csv_file: Path, **options):
        if not csv_file.exists():
            raise CommandError(f"No such file: {csv_file}")
        try:
            n = divisions_load_file(path=csv_file)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(self.style.SUCCESS(f"Loaded {n} divisions from {csv_file}."))
