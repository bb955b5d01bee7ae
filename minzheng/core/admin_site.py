"""The project's admin site: `admin.site` everywhere (core.apps.AdminConfig names it).

Kept apart from core.admin, which registers models on the site and so cannot be the
module the site is loaded from."""

from unfold.sites import UnfoldAdminSite

ADMIN_PERMISSION = "core.use_admin"


class MinzhengAdminSite(UnfoldAdminSite):
    """The admin is for master data: only the roles that keep it (`core.use_admin`: the
    system administrator and the district officers) may enter; everyone else, staff
    included, meets the admin's login page."""

    def has_permission(self, request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and user.has_perm(ADMIN_PERMISSION))
