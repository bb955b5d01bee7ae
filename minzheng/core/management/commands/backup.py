from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from minzheng.core import backup


class Command(BaseCommand):
    help = (
        "Write one archive of the database and the private files (MEDIA_ROOT) with a "
        "checksummed manifest. Safe while the app runs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            help="archive file, or an existing directory for the timestamped default name "
            "(default: var/backups/minzheng-YYYYmmdd-HHMMSS.tar.gz)",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias")

    def handle(self, *args, output: Path | None, database: str, **options):
        try:
            result = backup.backup_create(output=output, alias=database)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        m = result.manifest
        self.stdout.write(
            f"Database: {m['database']['vendor']} ({m['database']['name']}); "
            f"private files: {m['files']} ({m['files_bytes']} bytes)."
        )
        self.stdout.write(f"sha256 {result.sha256}  {result.path.name}")
        self.stdout.write(
            self.style.SUCCESS(f"Backup written to {result.path} ({result.size} bytes).")
        )
