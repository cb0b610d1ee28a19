"""get_adapter reuses an adapter while the settings it was built from stay the same."""

from integrations.adapters import get_adapter


def test_the_same_settings_give_the_same_adapter_and_a_change_a_new_one(settings):
    first = get_adapter("shopee")
    assert get_adapter("shopee") is first
    assert get_adapter("shopee", retries=False) is not first  # its own retry policy
    assert get_adapter("shopee", retries=False).client.retry.max_attempts == 1

    settings.SHOPEE_HOST = "http://127.0.0.1:9/"
    moved = get_adapter("shopee")
    assert moved is not first and moved.client.host == "http://127.0.0.1:9"

    settings.SHOPEE_PUSH_PREVIOUS_KEY = "previous-push-key"
    rotated = get_adapter("shopee")
    assert rotated is not moved and "previous-push-key" in rotated.push_keys


def test_settings_changed_without_the_settings_fixture_are_seen_too():
    from django.conf import settings

    before = settings.SHOPEE_PUSH_CALLBACK_URL
    try:
        settings.SHOPEE_PUSH_CALLBACK_URL = "https://cs.example.org/webhooks/shopee/"
        assert get_adapter("shopee").push_callback_url == settings.SHOPEE_PUSH_CALLBACK_URL
    finally:
        settings.SHOPEE_PUSH_CALLBACK_URL = before
    assert get_adapter("shopee").push_callback_url == before
