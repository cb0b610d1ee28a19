"""Names that third-party apps show in the admin, kept in this project's catalog for their
Chinese (django-axes ships none for Simplified Chinese). Listed for makemessages only."""

from django.utils.translation import gettext_noop

ADMIN_NAMES = (
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
)
