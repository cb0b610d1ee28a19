"""Signing, auth links and the clock-skew guard against the doc's computed vectors (§2)."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

import pytest

from integrations.shopee import signing

KEY = "57615053704d6470644f554a78656d50484143644964436a5568777544524579"


@pytest.mark.parametrize(
    ("build", "expected_base", "expected_sign"),
    [
        (
            lambda: signing.public_base_string(
                2001887, "/api/v2/public/get_shops_by_partner", 1655714431
            ),
            "2001887/api/v2/public/get_shops_by_partner1655714431",
            "60ab8c4a535009ab33b8a0029ee18a667ef6eaeb16481ed3d573a5059122d4df",
        ),
        (
            lambda: signing.shop_base_string(
                2001887,
                "/api/v2/shop/get_shop_info",
                1655714431,
                "59777174636562737266615546704c6d",
                14701711,
            ),
            "2001887/api/v2/shop/get_shop_info165571443159777174636562737266615546704c6d14701711",
            "b914bea03c13799deb036bb9d10e689f5a6bade160c44af568646f1ef7d796c1",
        ),
        (
            lambda: signing.merchant_base_string(
                2001887,
                "/api/v2/global_product/get_category",
                1655714431,
                "09777174636962737266615546704c6d",
                1000000,
            ),
            "2001887/api/v2/global_product/get_category165571443109777174636962737266615546704c6d1000000",
            "a50a2229b148e76048e21ad69a9d619885a21bd4aa7738bc524e1207df73a151",
        ),
        (
            lambda: signing.public_base_string(847892, "/api/v2/shop/auth_partner", 1700000000),
            "847892/api/v2/shop/auth_partner1700000000",
            "1acc5f3e09b475aae5b070e0369b56d23d9cb65eb053a9e8d35224ad6ab45ce6",
        ),
        (
            lambda: signing.public_base_string(847892, "/api/v2/auth/token/get", 1700000000),
            "847892/api/v2/auth/token/get1700000000",
            "b14483760ef01dcf880b4fa7d6f32045f3912566db57e62a1da98e50a951873a",
        ),
        (
            lambda: signing.shop_base_string(
                847892,
                "/api/v2/sellerchat/get_conversation_list",
                1700000000,
                "6a55746e61546f707579627656637464",
                "200520705",
            ),
            "847892/api/v2/sellerchat/get_conversation_list1700000000"
            "6a55746e61546f707579627656637464200520705",
            "f111da0b6e80e0e061034afb602d385344b9e095accc245b63598f3fa04949e4",
        ),
    ],
    ids=["V1-public", "V2-shop", "V3-merchant", "V4-auth-link", "V5-token-get", "V6-sellerchat"],
)
def test_doc_vectors(build, expected_base, expected_sign):
    base = build()
    assert base == expected_base
    assert signing.hmac_hex(KEY, base) == expected_sign


def test_sign_helpers_agree_with_vectors():
    ts, token = 1700000000, "6a55746e61546f707579627656637464"
    path = "/api/v2/sellerchat/get_conversation_list"
    assert signing.sign_shop(KEY, 847892, path, ts, token, 200520705) == (
        "f111da0b6e80e0e061034afb602d385344b9e095accc245b63598f3fa04949e4"
    )
    assert signing.sign_public(KEY, 847892, "/api/v2/auth/token/get", ts) == (
        "b14483760ef01dcf880b4fa7d6f32045f3912566db57e62a1da98e50a951873a"
    )


def test_auth_url_matches_vector_and_encodes_redirect():
    url = signing.auth_url(
        "https://partner.shopeemobile.com/",
        847892,
        KEY,
        "https://cs.example.com/shopee/callback?next=/inbox&x=1",
        timestamp=1700000000,
    )
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://partner.shopeemobile.com/api/v2/shop/auth_partner"
    )
    q = parse_qs(parts.query)
    assert q == {
        "partner_id": ["847892"],
        "timestamp": ["1700000000"],
        "sign": ["1acc5f3e09b475aae5b070e0369b56d23d9cb65eb053a9e8d35224ad6ab45ce6"],
        "redirect": ["https://cs.example.com/shopee/callback?next=/inbox&x=1"],
    }
    # The redirect's own "&" must be escaped, or Shopee would cut the URL at it.
    assert "x%3D1" in parts.query


def test_cancel_auth_url_signs_its_own_path():
    url = signing.cancel_auth_url("https://h", 847892, KEY, "https://r", timestamp=1700000000)
    sign = parse_qs(urlsplit(url).query)["sign"][0]
    expected = signing.hmac_hex(KEY, "847892/api/v2/shop/cancel_auth_partner1700000000")
    assert sign == expected
    assert sign != "1acc5f3e09b475aae5b070e0369b56d23d9cb65eb053a9e8d35224ad6ab45ce6"


def test_shpk_key_is_used_verbatim_but_trimmed():
    console_key = "shpk" + KEY
    signed = signing.sign_public(console_key, 1, "/p", 1700000000)
    # Whitespace and quotes from an .env file are trimmed; the shpk prefix is kept.
    assert signing.sign_public(f'  "{console_key}"\n', 1, "/p", 1700000000) == signed
    assert signed != signing.sign_public(KEY, 1, "/p", 1700000000)


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        (1700000000123, "milliseconds"),
        (1700000000123.0, "milliseconds"),
        (1700000000.5, "fraction"),
        (True, "not a number"),
        ("1700000000", "not a number"),
        (float("nan"), "not a finite number"),
        (-1, "negative"),
    ],
)
def test_a_timestamp_not_in_whole_seconds_is_refused_saying_so(bad, why):
    for sign in (
        lambda: signing.sign_public(KEY, 1, "/p", bad),
        lambda: signing.sign_shop(KEY, 1, "/p", bad, "token", 2),
        lambda: signing.auth_url("https://h", 1, KEY, "https://r", timestamp=bad),
    ):
        with pytest.raises(signing.TimestampNotSeconds) as caught:
            sign()
        assert caught.value.given is bad
        message = str(caught.value)
        assert "must be whole Unix seconds" in message and why in message
        assert repr(bad) in message


def test_a_seconds_timestamp_near_the_millisecond_boundary_still_signs():
    assert signing.public_base_string(1, "/p", 4102444800) == "1/p4102444800"  # 2100-01-01


def test_clock_skew_warns_loudly_from_http_date(caplog):
    caplog.set_level(logging.WARNING, logger="integrations.shopee.signing")
    skew = signing.check_clock_skew(
        "Tue, 14 Nov 2023 22:13:20 GMT", local_time=1700000000 + 90, source="test"
    )
    assert skew == 90
    assert any("CLOCK SKEW" in r.getMessage() for r in caplog.records)


def test_clock_skew_quiet_within_threshold(caplog):
    caplog.set_level(logging.WARNING, logger="integrations.shopee.signing")
    assert signing.check_clock_skew(1700000000, local_time=1700000030) == 30
    assert signing.check_clock_skew("not a date") is None
    assert not caplog.records
