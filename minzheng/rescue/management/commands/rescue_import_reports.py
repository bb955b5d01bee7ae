"""manage.py rescue_import_reports FILE.csv — all-or-nothing import of missing-person reports."""

from __future__ import annotations

import csv
import time

from django.core.management.base import BaseCommand, CommandError

from minzheng.core.models import User
from minzheng.rescue.services import IMPORT_COLUMNS, reports_import


class Command(BaseCommand):
    help = (
        "导入寻亲登记 CSV（列："
        + ", ".join(IMPORT_COLUMNS)
        + "）；有错误的行逐行报告，全部不导入。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--user", default="admin", help="记为导入人的账号（须有 rescue.add_missingreport 权限）"
        )

    def handle(self, *args, file: str, user: str, **options):
        actor = User.objects.filter(username=user).first()
        if actor is None:
            raise CommandError(f"账号 {user} 不存在。")
        try:
            with open(file, encoding="utf-8-sig", newline="") as fh:
                reader = csv.DictReader(fh)
                missing = [c for c in IMPORT_COLUMNS if c not in (reader.fieldnames or [])]
                if missing:
                    raise CommandError(
                        f"缺少列：{', '.join(missing)}；应有：{', '.join(IMPORT_COLUMNS)}。"
                    )
                rows = list(reader)
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取文件：{exc}") from exc
        started = time.perf_counter()
        count, errors = reports_import(actor=actor, rows=rows)
        if errors:
            for e in errors[:200]:
                self.stderr.write(f"第 {e.row} 行，列 {e.column}：{e.message}")
            if len(errors) > 200:
                self.stderr.write(f"……共 {len(errors)} 处错误。")
            raise CommandError(f"文件有 {len(errors)} 处错误，未导入任何记录。")
        self.stdout.write(f"已导入 {count} 条寻亲登记（{time.perf_counter() - started:.1f} 秒）。")
