"""The Chinese catalog: one meaning per translation, and Django's own words left alone."""

import gettext
from collections import defaultdict
from pathlib import Path

import django
from django.conf import settings

CATALOG = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo"


def _catalog(path: Path) -> dict:
    with path.open("rb") as mo:
        return {k: v for k, v in gettext.GNUTranslations(mo)._catalog.items() if k}


def _singular(msgid: str) -> str:
    word = msgid.lower()
    return word[:-3] + "y" if word.endswith("ies") else word.removesuffix("s")


def test_two_different_texts_never_share_one_chinese_translation():
    by_translation = defaultdict(set)
    for msgid, msgstr in _catalog(CATALOG).items():
        if isinstance(msgid, str):  # plural entries are (msgid, n) tuples
            by_translation[msgstr].add(_singular(msgid))
    shared = {zh: ids for zh, ids in by_translation.items() if len(ids) > 1}
    assert not shared  # e.g. "Sent outside" once read as "Sign out"


def test_our_catalog_does_not_change_what_the_django_admin_says():
    ours = _catalog(CATALOG)
    root = Path(django.__file__).parent
    admin = _catalog(root / "contrib/admin/locale/zh_Hans/LC_MESSAGES/django.mo")
    clashes = {k: (ours[k], admin[k]) for k in ours.keys() & admin.keys() if ours[k] != admin[k]}
    assert not clashes  # ours take precedence: use a context (pgettext) for our own meaning
