"""The start refuses a malformed marketplace setting, naming it."""

from integrations.checks import shopee_key_settings, shopee_partner_settings


def test_an_unset_partner_id_is_allowed_before_the_app_is_registered(settings):
    settings.SHOPEE_PARTNER_ID = ""
    assert shopee_partner_settings() == []


def test_a_numeric_partner_id_passes(settings):
    settings.SHOPEE_PARTNER_ID = " 2001887 "
    assert shopee_partner_settings() == []


def test_a_malformed_partner_id_stops_the_start(settings):
    settings.SHOPEE_PARTNER_ID = "shpk2001887"
    [error] = shopee_partner_settings()
    assert error.id == "integrations.E001"
    assert "SHOPEE_PARTNER_ID" in error.msg and "'shpk2001887'" in error.msg


def test_a_key_with_surrounding_whitespace_stops_the_start_naming_it(settings):
    settings.SHOPEE_PARTNER_KEY = "shpk" + "ab" * 32 + "\n"
    settings.SHOPEE_PUSH_PREVIOUS_KEY = " old-push-key"
    errors = shopee_key_settings()
    assert [e.id for e in errors] == ["integrations.E002", "integrations.E002"]
    assert errors[0].msg.startswith("SHOPEE_PARTNER_KEY has whitespace around it")
    assert errors[1].msg.startswith("SHOPEE_PUSH_PREVIOUS_KEY has whitespace around it")
    assert "ab" * 32 not in errors[0].msg and "old-push-key" not in errors[1].msg  # secrets


def test_keys_as_shown_in_the_console_pass(settings):
    settings.SHOPEE_PARTNER_KEY = "shpk" + "ab" * 32
    settings.SHOPEE_PUSH_KEY = ""
    assert shopee_key_settings() == []
