"""Websocket routes. The agent consumer (chat) is added here by the console."""

websocket_urlpatterns: list = []
