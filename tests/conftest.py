import pytest


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Each test starts with an empty Redis cache namespace (lockout, throttles, single-flight)."""
    from django.core.cache import cache

    cache.clear()
    yield
