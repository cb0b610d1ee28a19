import os

import django
from channels.routing import ProtocolTypeRouter, URLRouter

from shopee_cs.process import freeze_startup_objects
from shopee_cs.request_id import RequestIdASGIMiddleware

# Modules that touch models or settings are imported after django.setup().
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopee_cs.settings.local")
django.setup(set_prefix=False)

from shopee_cs.asgi_http import SyncChainASGIHandler  # noqa: E402

django_asgi_app = SyncChainASGIHandler()

from chat.webhooks_asgi import PushRoute  # noqa: E402
from shopee_cs.routing import websocket_urlpatterns  # noqa: E402
from shopee_cs.security.websocket import staff_websocket_stack  # noqa: E402

application = ProtocolTypeRouter(
    {
        # Every request gets its id and access log line first; marketplace pushes then skip
        # Django's request handling (chat.webhooks_asgi).
        "http": RequestIdASGIMiddleware(PushRoute(django_asgi_app)),
        # Origin check, session auth, then OTP + allowlist (HTTP middleware never sees sockets).
        "websocket": staff_websocket_stack(URLRouter(websocket_urlpatterns)),
    }
)
freeze_startup_objects()
