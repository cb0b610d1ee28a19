"""Settings of the server tests/shopee_cs/test_serve.py starts: the browser rig's, with the
access log (INFO) written."""

from tests.browser.live_settings import *  # noqa: F403

LOGGING["root"]["level"] = "INFO"  # noqa: F405
