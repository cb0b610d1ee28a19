"""daphne and the Celery worker run no system checks of their own: they refuse to start on a
serious finding of the checks that concern them, with its message."""

import pytest
from daphne import cli

from shopee_cs import serve
from shopee_cs.celery import refuse_drifted_configuration
from shopee_cs.checks import start_refusal


@pytest.fixture
def daphne_started(monkeypatch):
    started = []
    monkeypatch.setattr(cli.CommandLineInterface, "entrypoint", lambda: started.append(True))
    return started


def test_a_malformed_partner_id_stops_the_web_server_and_the_worker(settings, daphne_started):
    settings.SHOPEE_PARTNER_ID = "shop-2001887"
    assert start_refusal("marketplaces").startswith("integrations.E001: SHOPEE_PARTNER_ID")
    with pytest.raises(SystemExit, match="SHOPEE_PARTNER_ID must be the numeric partner id"):
        serve.main()
    with pytest.raises(SystemExit, match="SHOPEE_PARTNER_ID must be the numeric partner id"):
        refuse_drifted_configuration()
    assert daphne_started == []


def test_a_partner_key_with_whitespace_stops_the_web_server_and_the_worker(
    settings, daphne_started
):
    settings.SHOPEE_PARTNER_KEY = settings.SHOPEE_PARTNER_KEY + " "
    assert start_refusal("marketplaces").startswith("integrations.E002: SHOPEE_PARTNER_KEY")
    with pytest.raises(SystemExit, match="SHOPEE_PARTNER_KEY has whitespace around it"):
        serve.main()
    with pytest.raises(SystemExit, match="SHOPEE_PARTNER_KEY has whitespace around it"):
        refuse_drifted_configuration()
    assert daphne_started == []


def test_unsafe_delivery_settings_stop_the_worker(settings):
    settings.CELERY_WORKER_PREFETCH_MULTIPLIER = 4
    with pytest.raises(SystemExit, match=r"shopee_cs\.E003"):
        refuse_drifted_configuration()


def test_sound_settings_start_both(settings, daphne_started):
    assert start_refusal("celery", "marketplaces") == ""
    refuse_drifted_configuration()
    serve.main()
    assert daphne_started == [True]
