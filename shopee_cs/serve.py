"""`python -m shopee_cs.serve [daphne's options]`: daphne, with its access log written through
logging (JSON lines with the other logs, see LOG_FORMAT) instead of NCSA text on stdout.

HTTP requests are logged by the application (shopee_cs.request_id.RequestIdASGIMiddleware), with
their request id; daphne's log keeps the websocket lines."""

import os

import django
from daphne import cli, http_protocol
from daphne.access import AccessLogGenerator
from daphne.http_protocol import WebRequest

from shopee_cs.request_id import access_logger as logger


class RawBodyRequest(WebRequest):
    """daphne hands the application every body as it came. Twisted would first parse a
    multipart or form body into `args`, which daphne never reads, and answer one it cannot parse
    with a bare 400 of its own: no request id, no access log line, and no say for the API (which
    answers 415 to anything but JSON)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._parsePOSTFormSubmission = False


class LoggingAccessLog(AccessLogGenerator):
    def __call__(self, protocol, action, details):
        if protocol != "http":
            super().__call__(protocol, action, details)

    def write_entry(self, host, date, request, status=None, length=None, ident=None, user=None):
        logger.info(
            "%s %s",
            request,
            status or "-",
            extra={"client": host, "status": status, "bytes": length},
        )


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopee_cs.settings.local")
    django.setup(set_prefix=False)
    from shopee_cs.checks import start_refusal

    refusal = start_refusal("marketplaces")
    if refusal:
        raise SystemExit(refusal)
    # The command line builds its access log from this name (daphne.cli), and each HTTP
    # connection its requests from this one (daphne.http_protocol.HTTPFactory).
    cli.AccessLogGenerator = LoggingAccessLog
    http_protocol.WebRequest = RawBodyRequest
    cli.CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
