"""The HTTP side of the ASGI application.

Every view and most middleware here are synchronous. Django's stock ASGI handler crosses
between the event loop and a worker thread at each sync/async boundary of the middleware
chain (several per request, about 0.6 ms each); this handler builds the chain in sync mode and
crosses once, as a WSGI server would run it.
"""

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler


class SyncChainASGIHandler(ASGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)
        self._middleware_chain = sync_to_async(self._middleware_chain, thread_sensitive=True)
