"""A model admin for rows the system writes and people only read."""

from django.contrib import admin


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """Every field shown read-only; nobody adds, changes or deletes a row, superusers included.
    Admin actions may still act on selected rows, with their own permission checks."""

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
