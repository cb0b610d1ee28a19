from tests.chat.conftest import shop, simulator  # noqa: F401  (the simulator on loopback)
