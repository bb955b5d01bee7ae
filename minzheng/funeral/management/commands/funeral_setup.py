from django.core.management.base import BaseCommand

from minzheng.funeral.setup import ensure_defaults


class Command(BaseCommand):
    help = "创建殡葬基本服务费用免除项目及其政策参数（可重复执行）。"

    def handle(self, *args, **options):
        programme = ensure_defaults()
        self.stdout.write(f"{programme.code}: ok")
