from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from minzheng.core.api_permissions import ApiDocsPermission

# Each domain app serves its pages from its own urls.py (under staff/<app>/ and
# portal/<app>/) and its API under /api/v1/<app>/.
DOMAIN_APPS = [
    "ledger",
    "programs",
    "funeral",
    "qingming",
    "volunteers",
    "rescue",
    "learning",
    "welfare",
    "charity",
    "eldercare",
]

# The API first, under one prefix: an /api/ request is matched after one prefix test
# instead of after every page pattern (the booking API is the hottest path of all).
api_patterns = [
    # Public in the embedded setup; staff only in production (API_DOCS_PUBLIC).
    path(
        "schema/", SpectacularAPIView.as_view(permission_classes=[ApiDocsPermission]), name="schema"
    ),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="schema", permission_classes=[ApiDocsPermission]),
        name="api-docs",
    ),
    path("v1/", include("minzheng.core.api_urls")),
    path("v1/registry/", include("minzheng.registry.api_urls")),
    *[path(f"v1/{app}/", include(f"minzheng.{app}.api_urls")) for app in DOMAIN_APPS],
]

urlpatterns = [
    path("api/", include(api_patterns)),
    path("", RedirectView.as_view(pattern_name="portal:home", permanent=False)),
    path("favicon.ico", RedirectView.as_view(url=static("core/favicon.svg"), permanent=True)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("minzheng.core.urls")),
    path("", include("minzheng.registry.urls")),
    path("", include("minzheng.portal.urls")),
    *[path("", include(f"minzheng.{app}.urls")) for app in DOMAIN_APPS],
    path("admin/", admin.site.urls),
]

handler403 = "minzheng.core.errors.forbidden"
handler404 = "minzheng.core.errors.not_found"
handler500 = "minzheng.core.errors.server_error"
