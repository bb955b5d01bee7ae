import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from minzheng.core import backup


class Command(BaseCommand):
    help = (
        "Replace the database and the private files (MEDIA_ROOT) with a backup archive's, "
        "after checking it completely. Stop the app and its workers first. "
        "--check only verifies the archive."
    )
    stealth_options = ("stdin",)  # tests pass their own answer

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--yes", action="store_true", help="do not ask (needed when not run interactively)"
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="verify the archive and that it fits this installation; change nothing",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias")

    def handle(self, *args, archive: Path, yes: bool, check: bool, database: str, **options):
        stdin = options.get("stdin", sys.stdin)
        if not (check or yes or stdin.isatty()):
            raise CommandError(
                "Refusing to restore without --yes when not run interactively. Nothing was changed."
            )
        try:
            if check:
                manifest = backup.backup_verify(archive=archive, alias=database)
                self._describe(manifest)
                self.stdout.write(
                    self.style.SUCCESS(f"{archive}: every member matches its checksum.")
                )
                return
            staged = backup.restore_prepare(archive=archive, alias=database)
        except backup.BackupError as exc:
            raise CommandError(f"{exc} Nothing was changed.") from None

        self._describe(staged.manifest)
        self.stdout.write(
            f"This replaces the {staged.describe_target()} and every file under "
            f"{staged.media_root} with the backup's."
        )
        if not yes:
            self.stdout.write("Type 'yes' to restore: ", ending="")
            self.stdout.flush()
            if stdin.readline().strip() != "yes":
                staged.discard()
                raise CommandError("Not restored. Nothing was changed.")
        try:
            backup.restore_apply(staged)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup of {staged.manifest['created_at']}. If this code is newer "
                "than the backup, run `manage.py migrate` before starting the app."
            )
        )

    def _describe(self, manifest: dict) -> None:
        db = manifest["database"]
        self.stdout.write(
            f"Backup of {manifest['created_at']}: {db['vendor']} database {db['name']!r}, "
            f"{manifest['files']} private files ({manifest['files_bytes']} bytes), "
            f"made by Minzheng {manifest.get('versions', {}).get('minzheng', 'unknown')}."
        )
