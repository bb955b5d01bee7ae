from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "minzheng.programs"
    label = "programs"
    verbose_name = _("救助项目")
