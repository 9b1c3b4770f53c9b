"""Admin pieces shared by every app's admin."""


class ReadOnlyAdminMixin:
    """An admin (or inline) that shows rows and never adds, changes nor deletes them: reference data
    loaded from the repository's files, documents and audit rows that only services write."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
