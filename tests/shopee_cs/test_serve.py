"""daphne's access log goes through logging (JSON lines in production), not NCSA text."""

import logging

from shopee_cs.serve import LoggingAccessLog


def test_http_and_websocket_access_entries_are_log_records(caplog):
    access = LoggingAccessLog(stream=None)  # the stream daphne would pass is not used
    request = {"method": "GET", "path": "/console/", "status": 200, "size": 5120}
    with caplog.at_level(logging.INFO, logger="shopee_cs.access"):
        access("http", "complete", {"client": "192.0.2.7:5123", **request})
        access("websocket", "connected", {"client": "192.0.2.7:5124", "path": "/ws/agent/"})
    http, socket = caplog.records
    assert (http.name, http.getMessage()) == ("shopee_cs.access", "GET /console/ 200")
    assert (http.client, http.status, http.bytes) == ("192.0.2.7:5123", 200, 5120)
    assert socket.getMessage() == "WSCONNECT /ws/agent/ -"
