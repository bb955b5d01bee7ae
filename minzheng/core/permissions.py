from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def require_perm(user, perm: str) -> None:
    """Refuse a write the user's role does not allow (403 in pages and the API)."""
    if not (user and user.is_authenticated and user.has_perm(perm)):
        raise PermissionDenied(_("您的角色没有此项操作权限。"))
