from django.conf import settings
from rest_framework.permissions import BasePermission, DjangoModelPermissions


class StaffModelPermissions(DjangoModelPermissions):
    """Staff only; reads need the model's view permission, writes its add/change permission.

    Which rows are visible is decided by core.scope in each view's get_queryset.
    """

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and getattr(user, "kind", "staff") == "staff"):
            return False
        return super().has_permission(request, view)


class ApiDocsPermission(BasePermission):
    """The OpenAPI schema and Swagger UI: open to anyone while settings.API_DOCS_PUBLIC
    (the embedded default), signed-in staff only when it is off (production)."""

    def has_permission(self, request, view):
        if settings.API_DOCS_PUBLIC:
            return True
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "kind", "") == "staff")
