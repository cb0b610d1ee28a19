"""Language detection of short buyer messages, restricted to the shop's site."""

import pytest

from automation.nlp.language import language_detect, site_languages


@pytest.mark.parametrize(
    ("text", "site", "expected"),
    [
        ("สินค้าถึงไหนแล้วคะ ยังไม่ได้รับเลย", "TH", "th"),
        ("亲，我的快递到哪了？", "TW", "zh"),
        ("亲 order 什么时候发货", "SG", "zh"),
        ("shop ơi đơn của em bao giờ giao vậy ạ", "VN", "vi"),
        ("ban oi don hang cua minh dau roi", "VN", "vi"),
        ("oi, quando chega meu pedido? comprei faz 10 dias", "BR", "pt"),
        ("hello, where is my parcel? been waiting a week", "PH", "en"),
        ("nasaan na po yung order ko", "PH", "tl"),
        ("kak barang saya kok belum sampai ya", "ID", "id"),
        ("sis bila barang nak sampai? dah seminggu tunggu", "MY", "ms"),
        ("hi", "TH", "en"),
    ],
)
def test_language_of_buyer_messages(text, site, expected):
    assert language_detect(text, site=site) == expected


def test_malay_or_indonesian_depends_on_the_site():
    text = "kak barang sy blm sampai"
    assert language_detect(text, site="MY") == "ms"
    assert language_detect(text, site="ID") == "id"


def test_a_script_the_site_does_not_speak_is_undetected():
    # Thai on a Malaysian shop: not one of the site's languages (nor en/zh), so a human decides.
    assert language_detect("สินค้าถึงไหนแล้วคะ", site="MY") == ""
    assert language_detect("荷物はどこですか", site="") == ""


@pytest.mark.parametrize("text", ["", "   ", "😀😀🙏", "240612345678901", "?? !!", "123 456"])
def test_no_letters_is_undetected(text):
    assert language_detect(text, site="MY") == ""


def test_site_languages_add_english_and_chinese():
    assert site_languages("TH") == ("th", "en", "zh")
    assert site_languages("MY") == ("ms", "en", "zh")
    assert set(site_languages("")) >= {"zh", "en", "th", "vi", "ms", "id", "pt"}
