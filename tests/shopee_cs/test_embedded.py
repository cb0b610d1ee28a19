"""The embedded servers never adopt (or stop) a Redis that belongs to something else."""

from urllib.parse import urlsplit

import pytest

from shopee_cs import embedded


def test_a_redis_of_another_data_folder_is_refused_not_reused(monkeypatch, settings, tmp_path):
    # Seen from another data folder, the Redis the tests use belongs to someone else.
    port = urlsplit(settings.REDIS_URL).port
    monkeypatch.setattr(embedded, "DATA_DIR", tmp_path)
    monkeypatch.setattr(embedded, "REDIS_PORT", port)
    assert embedded._redis_dir_on(port) is not None
    assert not embedded._ours(port)
    with pytest.raises(RuntimeError, match="EMBEDDED_REDIS_PORT"):
        embedded._redis_uri()
