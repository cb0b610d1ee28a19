"""The language a staff member chose sticks.

Staff pages are English without a prefix and Chinese under /zh-hans/ (prefix_default_language
is off, so existing links and bookmarks keep working). Redirects and links built without a
prefix (`/`, the post-sign-in landing page, LOGIN_URL) would otherwise drop a chosen language;
this sends a visitor whose language cookie (set by the switcher) names another language to that
language's URL of the same page.
"""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import translate_url
from django.utils.translation import get_language_from_path

_OTHER_LANGUAGES = {code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE}


class ChosenLanguageRedirectMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if (
            request.method in ("GET", "HEAD")
            and language in _OTHER_LANGUAGES
            and not get_language_from_path(request.path_info)
        ):
            here = request.get_full_path()
            there = translate_url(here, language)  # unchanged for paths outside i18n_patterns
            if there != here:
                return HttpResponseRedirect(there)
        return self.get_response(request)


def language_switch_next(request) -> dict:
    """Context: `next` for the language switcher, this page without its language prefix. Django's
    set_language view is unprefixed, so it can translate "/console/" into any language but not
    "/zh-hans/console/" back into English."""
    path = request.get_full_path()
    language = get_language_from_path(request.path_info)
    return {"language_switch_next": path[len(language) + 1 :] if language else path}
