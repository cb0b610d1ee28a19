"""Marketplace JSON is made storable: NUL and unpaired surrogates, which PostgreSQL refuses,
become U+FFFD."""

import json

import pytest

from integrations import untrusted_json


def test_nul_is_replaced_in_strings_and_keys_at_any_depth():
    raw = b'{"a\\u0000": ["x\\u0000y", {"t": "\\u0000"}], "n": 18446744073709551617}'
    assert untrusted_json.loads(raw) == {
        "a\ufffd": ["x\ufffdy", {"t": "\ufffd"}],
        "n": 18446744073709551617,  # big integers stay exact
    }


def test_an_unpaired_surrogate_is_replaced_and_a_complete_emoji_kept():
    raw = '{"cut": "nice \\ud83d", "whole": "nice \\ud83d\\ude00", "low": "\\uDE00!"}'
    assert untrusted_json.loads(raw) == {"cut": "nice \ufffd", "whole": "nice 😀", "low": "\ufffd!"}


def test_an_escaped_backslash_before_u0000_is_text_and_kept():
    raw = '{"path": "C:\\\\u0000"}'  # the JSON text holds \\u0000: a backslash, then "u0000"
    assert untrusted_json.loads(raw) == {"path": "C:\\u0000"}


def test_documents_without_such_an_escape_are_returned_as_parsed():
    raw = '{"text": "สวัสดี 你好 \\u00e9", "ids": [1, 2]}'
    assert untrusted_json.loads(raw) == json.loads(raw)


def test_invalid_json_still_raises():
    with pytest.raises(ValueError):
        untrusted_json.loads(b'{"text": "a\x00b"}')  # a raw control character in a string


def test_storable_text_replaces_only_what_postgresql_refuses():
    assert untrusted_json.storable_text("a\x00b\tc\ud83d 😀") == "a\ufffdb\tc\ufffd 😀"
