import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopee_cs.settings.local")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from shopee_cs.routing import websocket_urlpatterns  # noqa: E402
from shopee_cs.security.websocket import staff_websocket_stack  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Origin check, session auth, then OTP + allowlist (HTTP middleware never sees sockets).
        "websocket": staff_websocket_stack(URLRouter(websocket_urlpatterns)),
    }
)
