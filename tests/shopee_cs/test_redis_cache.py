"""The cache backend: Django's Redis cache, reusing one client per connection pool."""

from django.core.cache import cache


def test_values_round_trip_and_calls_share_one_client():
    cache.set("redis-cache-test", {"n": 1}, 30)
    assert cache.get("redis-cache-test") == {"n": 1}
    assert cache.add("redis-cache-test", "other", 30) is False
    client = cache._cache.get_client()
    assert cache._cache.get_client(write=True) is client
    cache.delete("redis-cache-test")
    assert cache.get("redis-cache-test") is None
