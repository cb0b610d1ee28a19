"""Push Authorization verification (doc §6 vector) and end-to-end delivery from the simulator
to a loopback receiver that verifies exactly as the webhook view will."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from integrations.shopee.adapter import ShopeeAdapter
from integrations.shopee.push import PushVerificationNotConfigured, push_signature, verify_push
from integrations.shopee.simulator import advance_order, buyer_message, place_order
from integrations.types import PushKind

KEY = "57615053704d6470644f554a78656d50484143644964436a5568777544524579"
URL = "https://example.com/shopee/push"
BODY = (
    b'{"data":{"ordersn":"220810QSK8S7BX","status":"PROCESSED","update_time":1660123127},'
    b'"shop_id":727720655,"code":3,"timestamp":1660123127}'
)
EXPECTED = "4ebaefe111b2fa02e322c90372c0e4dece24a30e936ae5774094141c5a188bc7"


def test_doc_vector():
    assert push_signature(URL, KEY, BODY) == EXPECTED
    assert verify_push(URL, KEY, BODY, EXPECTED) is True
    assert verify_push(URL, KEY, BODY, EXPECTED.upper()) is True  # hex case is not meaningful


@pytest.mark.parametrize(
    ("url", "body", "header"),
    [
        (URL + "/", BODY, EXPECTED),  # trailing slash: not the registered URL
        ("http://example.com/shopee/push", BODY, EXPECTED),  # scheme changed by a proxy
        (URL, BODY.replace(b"PROCESSED", b"CANCELLED"), EXPECTED),  # tampered body
        (URL, BODY + b"\n", EXPECTED),  # re-serialised or re-encoded body
        (URL, BODY, None),
        (URL, BODY, ""),
        (URL, BODY, EXPECTED[:-1] + "0"),
        (URL, BODY, "sha256=" + EXPECTED),
    ],
)
def test_rejects_anything_but_the_exact_url_body_and_signature(url, body, header):
    assert verify_push(url, KEY, body, header) is False


@pytest.mark.parametrize(
    "header",
    [
        EXPECTED,  # what Shopee sends: lower-case hex
        EXPECTED.upper(),
        EXPECTED[:32].upper() + EXPECTED[32:],
        f"  {EXPECTED}\t",
        f"{EXPECTED.upper()}\r\n",
    ],
)
def test_accepts_the_signature_in_either_case_with_surrounding_whitespace(header):
    assert verify_push(URL, KEY, BODY, header) is True


@pytest.mark.parametrize(
    "header",
    [
        f"{EXPECTED[:32]} {EXPECTED[32:]}",  # whitespace inside
        EXPECTED[:-2],  # truncated
        f"Bearer {EXPECTED}",
        bytes.fromhex(EXPECTED).hex(" "),  # spaced pairs
        "\u0660" + EXPECTED[1:],  # a non-ASCII digit
    ],
)
def test_refuses_other_forms_of_the_signature(header):
    assert verify_push(URL, KEY, BODY, header) is False


@pytest.mark.parametrize("key", [None, "", "  ", []])
def test_fails_closed_without_a_key(key):
    with pytest.raises(PushVerificationNotConfigured):
        verify_push(URL, key, BODY, EXPECTED)


def test_fails_closed_without_a_callback_url():
    with pytest.raises(PushVerificationNotConfigured):
        verify_push("", KEY, BODY, EXPECTED)


def test_previous_key_is_accepted_during_rotation():
    assert verify_push(URL, ["new-key", KEY], BODY, EXPECTED) is True
    assert verify_push(URL, ["new-key", "older-key"], BODY, EXPECTED) is False


def test_body_must_be_bytes():
    with pytest.raises(TypeError):
        push_signature(URL, KEY, BODY.decode())  # type: ignore[arg-type]


class _Receiver:
    """A minimal stand-in for our webhook endpoint: verify, store raw, answer empty 2xx."""

    def __init__(self, adapter: ShopeeAdapter, status: int = 204) -> None:
        self.adapter, self.status = adapter, status
        self.accepted: list[bytes] = []
        self.rejected = 0
        outer = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                if outer.adapter.verify_push(dict(self.headers), raw):
                    outer.accepted.append(raw)
                    self.send_response(outer.status)
                else:
                    outer.rejected += 1
                    self.send_response(401)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/shopee/"
        kw = {"poll_interval": 0.05}
        threading.Thread(target=self.server.serve_forever, kwargs=kw, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(simulator):
    cfg = simulator.sim.config
    adapter = ShopeeAdapter(partner_id=cfg.partner_id, partner_key=cfg.partner_key)
    r = _Receiver(adapter)
    adapter.push_callback_url = r.url
    cfg.callback_url = r.url
    yield r
    r.close()


def test_simulator_pushes_verify_and_parse(simulator, receiver):
    sim = simulator.sim
    buyer_message(sim, shop_id="100000004", buyer_id=2**60 + 1, text="Onde está meu pedido?")
    order = place_order(sim, shop_id="100000004", buyer_id=2**60 + 1)
    advance_order(sim, order_sn=order["order_sn"], status="PROCESSED")  # also assigns tracking

    assert receiver.rejected == 0
    events = [e for raw in receiver.accepted for e in receiver.adapter.parse_push(raw)]
    kinds = [e.kind for e in events]
    assert kinds == [
        PushKind.CHAT_MESSAGE,
        PushKind.ORDER_STATUS,
        PushKind.ORDER_STATUS,
        PushKind.TRACKING_NUMBER,
    ]
    chat = events[0].payload.message
    assert chat.text == "Onde está meu pedido?"
    assert chat.sender_id == str(2**60 + 1)  # > 2**53 survived JSON both ways
    assert events[3].payload.tracking_number == sim.orders[order["order_sn"]]["_tracking_no"]
    assert len({e.dedup_key for e in events}) == 4
    stats = sim.snapshot_stats()
    assert (stats["pushes_acked"], stats["lost_push_pending"]) == (4, 0)


def test_wrong_key_at_receiver_rejects_and_push_goes_to_lost_queue(simulator, receiver):
    receiver.adapter.push_keys = ("some-other-key",)
    buyer_message(simulator.sim, shop_id="100000001", text="hello")
    assert receiver.accepted == []
    assert receiver.rejected == 1
    assert simulator.sim.snapshot_stats()["lost_push_pending"] == 1


def test_non_2xx_answer_counts_as_failed_and_is_recoverable(simulator, receiver, adapter):
    receiver.status = 500
    buyer_message(simulator.sim, shop_id="100000001", text="first")
    buyer_message(simulator.sim, shop_id="100000001", text="second")
    batch = adapter.fetch_lost_pushes()
    texts = [e.payload.message.text for e in batch.events]
    assert texts == ["first", "second"]
    adapter.confirm_lost_pushes(ack_cursor=batch.ack_cursor)
    assert adapter.fetch_lost_pushes().events == ()
    assert simulator.sim.snapshot_stats()["lost_push_confirmed"] == 2


def test_simulator_signs_pushes_with_the_key_trimmed_as_the_receiver_does(sim_config):
    from integrations.shopee.simulator import start_simulator

    padded = f"'{sim_config.partner_key}' \n"
    sim_config.partner_key = padded
    with start_simulator(sim_config) as handle:
        receiver = _Receiver(ShopeeAdapter(partner_id=sim_config.partner_id, partner_key=padded))
        try:
            receiver.adapter.push_callback_url = handle.sim.config.callback_url = receiver.url
            buyer_message(handle.sim, shop_id="100000001", text="hi")
        finally:
            receiver.close()
    assert (len(receiver.accepted), receiver.rejected) == (1, 0)
