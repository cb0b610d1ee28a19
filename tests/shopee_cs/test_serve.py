"""daphne's access log goes through logging (JSON lines in production), not NCSA text; its HTTP
lines are left to the application, which logs them with their request id."""

import logging

from shopee_cs.serve import LoggingAccessLog


def test_websocket_entries_are_log_records_and_http_ones_are_left_to_the_app(caplog):
    access = LoggingAccessLog(stream=None)  # the stream daphne would pass is not used
    request = {"method": "GET", "path": "/console/", "status": 200, "size": 5120}
    with caplog.at_level(logging.INFO, logger="shopee_cs.access"):
        access("http", "complete", {"client": "192.0.2.7:5123", **request})
        access("websocket", "connected", {"client": "192.0.2.7:5124", "path": "/ws/agent/"})
    [socket] = caplog.records
    assert (socket.name, socket.getMessage()) == ("shopee_cs.access", "WSCONNECT /ws/agent/ -")
    assert socket.client == "192.0.2.7:5124"
