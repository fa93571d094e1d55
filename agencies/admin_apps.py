"""Django's admin app, with the staff site as the default `admin.site`."""

from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    default_site = "agencies.admin_site.StaffAdminSite"
