from django.core.management.base import BaseCommand

from minzheng.registry import rotation


class Command(BaseCommand):
    help = "Re-encrypt ID numbers and phones under the first key of FIELD_KEYS; --reindex recomputes blind indexes."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reindex",
            action="store_true",
            help="recompute hashes with the current BLIND_INDEX_KEY",
        )

    def handle(self, *args, reindex: bool, **options):
        for label, n in rotation.rotate(reindex=reindex).items():
            self.stdout.write(f"{label}: {n} rows rewritten")
        left = rotation.tokens_on_old_keys()
        if left:
            self.stderr.write(self.style.ERROR(f"Still on old keys: {left}"))
        else:
            self.stdout.write(self.style.SUCCESS("Every encrypted value is under the primary key."))
