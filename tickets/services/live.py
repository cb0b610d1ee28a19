"""Tickets on the agents' sockets: every change (it always appends history) publishes
`tickets.ticket_updated` through chat's publish helper, stored as a LiveEvent for replay and sent
on commit to the ticket's shop group. The event carries the list's row and the open-ticket
counts of its conversations, so the console updates its tab, badges and panel without a read.
A bulk action on many tickets costs a constant number of statements (one insert per shop)."""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from chat.services.publish import live_events_publish_bulk
from tickets.selectors import (
    conversation_open_ticket_counts,
    ticket_conversation_links,
    ticket_rows_by_id,
)
from tickets.serializers import ticket_rows

TICKET_UPDATED = "tickets.ticket_updated"


def ticket_event(row: dict[str, Any], counts: dict[int, int]) -> dict[str, Any]:
    (ticket,) = ticket_rows([row])
    return {
        "type": TICKET_UPDATED,
        "shop_id": row["shop_id"],
        "ticket": ticket,
        "conversation_ids": list(counts),
        # Keys are strings, as they are once the event is JSON.
        "open_ticket_counts": {str(pk): n for pk, n in counts.items()},
    }


def tickets_publish(*, ticket_ids: Iterable[int]) -> None:
    rows = ticket_rows_by_id(ticket_ids=sorted(set(ticket_ids)))
    links = ticket_conversation_links(ticket_ids=[row["id"] for row in rows])
    counts = conversation_open_ticket_counts(
        conversation_ids=sorted({pk for pks in links.values() for pk in pks})
    )
    by_shop: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        mine = {pk: counts[pk] for pk in links.get(row["id"], [])}
        by_shop[row["shop_id"]].append(ticket_event(row, mine))
    for shop_id, events in by_shop.items():
        live_events_publish_bulk(shop_id=shop_id, events=events)
