"""The admin app, with the back office's own site (claims.admin_site) as the default site.

Named in INSTALLED_APPS in place of django.contrib.admin, so it is imported before the models
are ready: it must import nothing else.
"""
from django.contrib.admin.apps import AdminConfig


class AmoAdminConfig(AdminConfig):
    default_site = "claims.admin_site.AmoAdminSite"
