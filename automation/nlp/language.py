"""Language of short chat text, offline (lingua), restricted to the languages of a site.

Scripts settle what they can (Thai script is Thai, Han is Chinese); lingua decides Latin-script
text, where Malay and Indonesian, or Tagalog and English, need the site's restriction. Codes are
ISO 639-1; "" means undetected (no letters, or a script none of the allowed languages uses)."""

import re
import unicodedata
from functools import lru_cache

from lingua import IsoCode639_1, LanguageDetector, LanguageDetectorBuilder

from integrations.models import SITE_LANGUAGES

# Every language the detector may answer; the classifier's corpus covers all but tl.
SUPPORTED = ("zh", "en", "th", "vi", "ms", "id", "pt", "tl")
ALWAYS = ("en", "zh")

_THAI = re.compile(r"[\u0e00-\u0e7f]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")
# Chat words too short for lingua to place that buyers everywhere type in English.
_ENGLISH_CHAT = frozenset(
    [
        "hi",
        "hello",
        "hey",
        "ok",
        "okay",
        "oke",
        "thanks",
        "thank",
        "you",
        "thx",
        "tq",
        "ty",
        "pls",
        "please",
        "yes",
        "no",
        "noted",
        "bro",
        "sis",
    ]
)


def site_languages(site: str) -> tuple[str, ...]:
    """The languages detection may answer for a shop of `site` (all supported ones if unknown)."""
    main = SITE_LANGUAGES.get(site)
    if not main:
        return SUPPORTED
    return tuple(dict.fromkeys((*main, *ALWAYS)))


@lru_cache(maxsize=32)
def _detector(languages: frozenset[str]) -> LanguageDetector:
    # Built once per language set: lingua detectors are immutable and thread-safe.
    codes = [getattr(IsoCode639_1, code.upper()) for code in sorted(languages)]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()


def _letters(text: str) -> list[str]:
    return [ch for ch in text if unicodedata.category(ch).startswith("L")]


def language_detect(text: str, *, site: str = "") -> str:
    """ISO 639-1 code of `text`'s language among the site's languages, or "" if undetected."""
    allowed = site_languages(site)
    letters = _letters(text)
    if not letters:
        return ""  # empty, emoji, numbers or punctuation only
    thai = sum(1 for ch in letters if _THAI.match(ch))
    han = sum(1 for ch in letters if _HAN.match(ch))
    if thai * 3 >= len(letters):
        return "th" if "th" in allowed else ""
    if any(_KANA_HANGUL.match(ch) for ch in letters):
        return ""  # Japanese or Korean: no shop site speaks them
    # One Han character carries about a word: "亲 order 什么时候发货" is Chinese.
    if han and han * 4 >= len(letters) - han:
        return "zh" if "zh" in allowed else ""
    words = re.findall(r"[^\W\d_]+", text.lower())
    if words and all(word in _ENGLISH_CHAT for word in words):
        return "en"
    latin = frozenset(code for code in allowed if code not in ("th", "zh"))
    if len(latin) < 2:
        return next(iter(latin), "")
    found = _detector(latin).detect_language_of(text)
    if found is None:
        return ""
    code = found.iso_code_639_1.name.lower()
    return code if code in allowed else ""
