"""URL wiring only: each app owns its own urls module."""

from django.contrib import admin
from django.urls import include, path

from agencies import views as agency_views

urlpatterns = [
    path("", agency_views.home, name="home"),
    path("healthz", agency_views.healthz, name="healthz"),
    path("", include("agencies.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("feedback.urls")),
]
