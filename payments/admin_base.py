"""What every payments admin shares: read-only pages whose hidden objects answer 404."""
from django.contrib import admin
from django.http import Http404

from amo_portal.admin import ReadOnlyAdminMixin
from mutuelles.admin_scope import ScopedWritesMixin


class ReadOnlyAdmin(ReadOnlyAdminMixin, ScopedWritesMixin, admin.ModelAdmin):
    """No add, change or delete: the services write, the admin shows. Hidden objects are 404."""

    show_full_result_count = False  # lines tables hold millions of rows

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(f"{opts.verbose_name} introuvable")
