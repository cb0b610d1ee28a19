"""The ticket REST API (mounted at /api/v1/tickets/). Thin, like chat.apis: parse, fetch through
a selector, call one service, respond. Another group's ticket answers 404, as a missing one."""

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status as http
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from chat.selectors import BadCursor, shop_get_for_user
from chat.serializers import ErrorSerializer
from integrations.models import Shop
from tickets import serializers as s
from tickets.models import Ticket
from tickets.selectors import (
    TicketFilters,
    conversations_get_for_user,
    group_get_for_user,
    open_ticket_counts,
    ticket_attachments,
    ticket_conversation_ids,
    ticket_get_for_user,
    ticket_history,
    ticket_notes,
    ticket_page_for_user,
    ticket_type_list,
    user_get_active,
)
from tickets.services import (
    TicketInvalid,
    TicketRefused,
    allowed_statuses,
    ticket_create,
    ticket_note_add,
    ticket_transition,
)
from tickets.sla import ticket_sla_state

ERRORS = {400: ErrorSerializer, 404: ErrorSerializer}


def _ticket(request, ticket_id: int) -> Ticket:
    try:
        return ticket_get_for_user(user=request.user, ticket_id=ticket_id)
    except Ticket.DoesNotExist:
        raise Http404 from None  # another group's ticket looks exactly like a missing one


def _detail(ticket: Ticket) -> dict:
    shop, kind = ticket.shop, ticket.ticket_type
    return {
        "id": ticket.pk,
        "shop": {"id": shop.pk, "name": shop.name, "site": shop.site, "platform": shop.platform},
        "ticket_type": {"code": kind.code, "name": kind.name},
        "subject": ticket.subject,
        "description": ticket.description,
        "status": ticket.status,
        "allowed_statuses": allowed_statuses(ticket),
        "priority": ticket.priority,
        "group": ticket.group and {"id": ticket.group.pk, "name": ticket.group.name},
        "assignee": ticket.assignee,
        "conversation_ids": ticket_conversation_ids(ticket=ticket),
        "order_ref": ticket.order_ref,
        "return_ref": ticket.return_ref,
        "buyer_platform_id": ticket.buyer_platform_id,
        "buyer_name": ticket.buyer_name,
        "merged_into_id": ticket.merged_into_id,
        "due_at": ticket.due_at,
        "sla_state": ticket_sla_state(ticket, timezone.now()).value,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "resolved_at": ticket.resolved_at,
        "closed_at": ticket.closed_at,
        "attachments": ticket_attachments(ticket=ticket),
        "notes": [
            {"id": n.pk, "author": n.author, "body": n.body, "created_at": n.created_at}
            for n in ticket_notes(ticket=ticket)
        ],
        "history": [
            {
                "kind": e.kind,
                "actor": e.actor,
                "field": e.field,
                "old_value": e.old_value,
                "new_value": e.new_value,
                "created_at": e.created_at,
            }
            for e in ticket_history(ticket=ticket)
        ],
    }


def _detail_response(request, ticket_id: int, status: int = http.HTTP_200_OK) -> Response:
    ticket = _ticket(request, ticket_id)
    return Response(s.TicketDetailSerializer(_detail(ticket)).data, status=status)


class TicketListApi(APIView):
    """GET: the caller's tickets, newest first, keyset-paginated (`next_cursor`). POST: open a
    ticket (needs `tickets:write`)."""

    @property
    def required_scopes(self) -> list[str]:
        return ["tickets:write"] if self.request.method == "POST" else ["tickets:read"]

    @extend_schema(
        operation_id="ticket_list",
        parameters=[s.TicketListQuerySerializer],
        responses={200: s.TicketPageSerializer, **ERRORS},
    )
    def get(self, request):
        query = s.TicketListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        filters = TicketFilters(
            status=q.get("status", ""),
            ticket_type=q.get("type", ""),
            priority=q.get("priority", ""),
            group_id=q.get("group"),
            assignee_id=q.get("assignee"),
            mine=q["mine"],
            unassigned=q["unassigned"],
            shop_id=q.get("shop"),
            site=q.get("site", ""),
            sla=q.get("sla", ""),
            order_ref=q.get("order_ref", ""),
            return_ref=q.get("return_ref", ""),
            buyer=q.get("buyer", ""),
            queue=q["queue"],
            conversation_id=q.get("conversation"),
        )
        try:
            rows, next_cursor = ticket_page_for_user(
                user=request.user, filters=filters, cursor=q.get("cursor"), size=q["page_size"]
            )
        except BadCursor as exc:
            raise ValidationError({"cursor": [str(exc)]}) from None
        return Response({"results": s.ticket_rows(rows), "next_cursor": next_cursor})

    @extend_schema(
        operation_id="ticket_create",
        request=s.TicketCreateInputSerializer,
        responses={201: s.TicketDetailSerializer, **ERRORS},
    )
    def post(self, request):
        data = s.TicketCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        user = request.user
        conversation_ids = list(dict.fromkeys(d.get("conversation_ids", [])))
        conversations = conversations_get_for_user(user=user, conversation_ids=conversation_ids)
        if len(conversations) != len(conversation_ids):
            found = {c.pk for c in conversations}
            missing = [str(pk) for pk in conversation_ids if pk not in found]
            raise ValidationError({"conversation_ids": [f"No conversation {', '.join(missing)}."]})
        conversations.sort(key=lambda c: conversation_ids.index(c.pk))
        shop = None
        if d.get("shop_id"):
            try:
                shop = shop_get_for_user(user=user, shop_id=d["shop_id"])
            except Shop.DoesNotExist:
                raise ValidationError({"shop_id": ["No such shop."]}) from None
        group = None
        if d.get("group_id"):
            group = group_get_for_user(user=user, group_id=d["group_id"])
            if group is None:
                raise ValidationError({"group_id": ["No such group."]})
        assignee = None
        if d.get("assignee_id"):
            assignee = user_get_active(user_id=d["assignee_id"])
            if assignee is None:
                raise ValidationError({"assignee_id": ["No active user with this id."]})
        try:
            ticket = ticket_create(
                actor=user,
                ticket_type=d["ticket_type"],
                subject=d["subject"],
                description=d.get("description", ""),
                shop=shop,
                conversations=conversations,
                priority=d["priority"],
                group=group,
                assignee=assignee,
                order_ref=d.get("order_ref", ""),
                return_ref=d.get("return_ref", ""),
                attachments=d.get("attachments", []),
                source=Ticket.Source.API,
            )
        except TicketInvalid as exc:
            raise ValidationError(exc.errors) from None
        return _detail_response(request, ticket.pk, http.HTTP_201_CREATED)


class TicketDetailApi(APIView):
    """One ticket with its notes, attachments, history and the statuses it may move to."""

    required_scopes = ["tickets:read"]

    @extend_schema(
        operation_id="ticket_detail", responses={200: s.TicketDetailSerializer, **ERRORS}
    )
    def get(self, request, ticket_id: int):
        return _detail_response(request, ticket_id)


class TicketTransitionApi(APIView):
    """Move the ticket to another status; a move the workflow forbids is refused (409) with the
    allowed ones named."""

    required_scopes = ["tickets:write"]

    @extend_schema(
        operation_id="ticket_transition",
        request=s.TransitionInputSerializer,
        responses={200: s.TicketDetailSerializer, 409: ErrorSerializer, **ERRORS},
    )
    def post(self, request, ticket_id: int):
        ticket = _ticket(request, ticket_id)
        data = s.TransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            ticket_transition(
                ticket=ticket, target=data.validated_data["status"], actor=request.user
            )
        except TicketRefused as exc:
            return Response({"detail": str(exc)}, status=http.HTTP_409_CONFLICT)
        except TicketInvalid as exc:
            raise ValidationError(exc.errors) from None
        return _detail_response(request, ticket_id)


class TicketNotesApi(APIView):
    """Add an internal note (never sent to the buyer)."""

    required_scopes = ["tickets:write"]

    @extend_schema(
        operation_id="ticket_note_add",
        request=s.NoteInputSerializer,
        responses={201: s.TicketDetailSerializer, **ERRORS},
    )
    def post(self, request, ticket_id: int):
        ticket = _ticket(request, ticket_id)
        data = s.NoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            ticket_note_add(ticket=ticket, actor=request.user, body=data.validated_data["body"])
        except TicketInvalid as exc:
            raise ValidationError(exc.errors) from None
        return _detail_response(request, ticket_id, http.HTTP_201_CREATED)


class TicketCountsByConversationApi(APIView):
    """How many active tickets each of the given conversations has (the inbox's badges), in one
    request; another group's conversation counts as none."""

    required_scopes = ["tickets:read"]

    @extend_schema(
        operation_id="ticket_counts_by_conversation",
        parameters=[s.ByConversationQuerySerializer],
        responses={200: s.OpenTicketCountsSerializer, 400: ErrorSerializer},
    )
    def get(self, request):
        query = s.ByConversationQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        counts = open_ticket_counts(user=request.user, conversation_ids=query.validated_data["ids"])
        return Response({"counts": {str(pk): n for pk, n in counts.items()}})


class TicketTypeListApi(APIView):
    """The active ticket types, in their order (the console's type picker)."""

    required_scopes = ["tickets:read"]

    @extend_schema(operation_id="ticket_type_list", responses={200: s.TicketTypeListSerializer})
    def get(self, request):
        types = [{"code": t.code, "name": t.name} for t in ticket_type_list()]
        return Response({"results": types})
