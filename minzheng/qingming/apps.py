from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QingmingConfig(AppConfig):
    name = "minzheng.qingming"
    label = "qingming"
    verbose_name = _("清明祭扫")
