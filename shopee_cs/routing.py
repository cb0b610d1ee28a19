"""Websocket routes. Every consumer subclasses shopee_cs.security.consumers.StaffConsumer and
sits behind shopee_cs.security.websocket.staff_websocket_stack (see asgi.py)."""

from django.urls import path

from chat.consumers import AgentConsumer
from shopee_cs.security.consumers import PingConsumer

websocket_urlpatterns: list = [
    path("ws/ping/", PingConsumer.as_asgi()),
    path("ws/agent/", AgentConsumer.as_asgi()),
]
