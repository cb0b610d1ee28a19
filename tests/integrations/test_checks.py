"""The start refuses a malformed marketplace setting, naming it."""

from integrations.checks import shopee_partner_settings


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
