from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The resident portal shell (群众服务).

    It registers no services of its own: each module adds its entries with
    core.navigation.add_portal_service in its own ready(), and the home lists them.
    """

    name = "minzheng.portal"
    label = "portal"
    verbose_name = _("群众服务门户")
