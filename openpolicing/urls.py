"""URL wiring only: each app owns its own urls module."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from agencies import site_views
from agencies import views as agency_views

urlpatterns = [
    path("", agency_views.home, name="home"),
    path("healthz", agency_views.healthz, name="healthz"),
    path("", include("agencies.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # The invitation e-mailed to a new agency admin sets the password through these two views.
    path(
        "admin/invitation/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "admin/invitation/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
    path("", include("agencies.site_urls")),
    path("", include("feedback.urls")),
]

handler400 = site_views.bad_request
handler403 = site_views.permission_denied
handler404 = site_views.page_not_found
handler500 = site_views.server_error
