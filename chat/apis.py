"""The agent REST API (mounted at /api/v1/). Thin: parse, fetch through a selector, call one
service, respond. Another group's rows are indistinguishable from missing ones (404)."""

import re

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import status as http
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from chat import serializers as s
from chat.models import Conversation, Message
from chat.selectors import (
    BadCursor,
    ConversationFilters,
    assignee_get_for_conversation,
    buyer_orders_for_conversation,
    conversation_get_for_user,
    conversation_page_for_user,
    message_get_for_user,
    message_page_for_conversation,
    shop_get_for_user,
    shop_list_for_user,
)
from chat.services.inbox.conversations import (
    ConversationActionRefused,
    conversation_assign,
    conversation_mark_read,
    conversation_reopen,
    conversation_resolve,
)
from chat.services.pipeline.orders import buyer_orders_refresh
from chat.services.pipeline.outbox import (
    IdempotencyConflict,
    ReplyRejected,
    message_retry,
    message_send_reply,
)
from integrations.models import Shop

IDEMPOTENCY_KEY_MAX = 128
IDEMPOTENCY_KEY = re.compile(rf"[!-~]{{1,{IDEMPOTENCY_KEY_MAX}}}")
# 400, 401, 403, 404, 415 and 429 are added to every operation that can give them
# (shopee_cs.api_schema); the views state the rest.
CONFLICT = {409: s.ErrorSerializer}


def _conversation(request, conversation_id: int) -> Conversation:
    try:
        return conversation_get_for_user(user=request.user, conversation_id=conversation_id)
    except Conversation.DoesNotExist:
        raise Http404 from None  # another team's conversation looks exactly like a missing one


def _query(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _error(detail: str, status: int) -> Response:
    return Response({"detail": detail}, status=status)


class ShopListApi(APIView):
    """Shops visible to the caller (a key sees what its owner sees)."""

    required_scopes = ["shops:read"]

    @extend_schema(operation_id="shop_list", responses=s.ShopOutputSerializer(many=True))
    def get(self, request):
        shops = shop_list_for_user(user=request.user)
        return Response(s.ShopOutputSerializer(shops, many=True).data)


class ShopDetailApi(APIView):
    required_scopes = ["shops:read"]

    @extend_schema(operation_id="shop_detail", responses=s.ShopOutputSerializer)
    def get(self, request, shop_id: int):
        try:
            shop = shop_get_for_user(user=request.user, shop_id=shop_id)
        except Shop.DoesNotExist:
            raise Http404 from None
        return Response(s.ShopOutputSerializer(shop).data)


class ConversationListApi(APIView):
    """The inbox: newest activity first, keyset-paginated (`next_cursor`), one SQL query for the
    page whatever its size."""

    required_scopes = ["conversations:read"]

    @extend_schema(
        operation_id="conversation_list",
        parameters=[s.ConversationListQuerySerializer],
        responses={200: s.ConversationPageSerializer},
    )
    def get(self, request):
        q = _query(s.ConversationListQuerySerializer, request)
        filters = ConversationFilters(
            shop_id=q.get("shop"),
            site=q.get("site", ""),
            platform=q.get("platform", ""),
            status=q.get("status", ""),
            mine=q["mine"],
            unassigned=q["unassigned"],
            awaiting_reply=q["awaiting_reply"],
        )
        try:
            rows, next_cursor = conversation_page_for_user(
                user=request.user, filters=filters, cursor=q.get("cursor"), size=q["page_size"]
            )
        except BadCursor as exc:
            raise ValidationError({"cursor": [str(exc)]}) from None
        return Response({"results": s.conversation_rows(rows), "next_cursor": next_cursor})


def _message_page(request, conversation):
    """Messages going back in time from the `before` cursor (a bad cursor is a 400)."""
    q = _query(s.MessagePageQuerySerializer, request)
    try:
        return message_page_for_conversation(
            conversation=conversation, cursor=q.get("before"), size=q["page_size"]
        )
    except BadCursor as exc:
        raise ValidationError({"before": [str(exc)]}) from None


class ConversationDetailApi(APIView):
    """One conversation and its latest messages (older ones: `.../messages/?before=`)."""

    required_scopes = ["conversations:read"]

    @extend_schema(
        operation_id="conversation_detail",
        parameters=[s.MessagePageQuerySerializer],
        responses={200: s.ConversationDetailSerializer},
    )
    def get(self, request, conversation_id: int):
        conversation = _conversation(request, conversation_id)
        messages, older = _message_page(request, conversation)
        return Response(
            {
                "conversation": s.ConversationOutputSerializer(conversation).data,
                "messages": s.MessageOutputSerializer(messages, many=True).data,
                "older_cursor": older,
            }
        )


class ConversationMessagesApi(APIView):
    """GET: messages going back in time. POST: send a reply (needs `messages:write`)."""

    @property
    def required_scopes(self) -> list[str]:
        return ["messages:write"] if self.request.method == "POST" else ["conversations:read"]

    @extend_schema(
        operation_id="conversation_messages",
        parameters=[s.MessagePageQuerySerializer],
        responses={200: s.MessagePageSerializer},
    )
    def get(self, request, conversation_id: int):
        conversation = _conversation(request, conversation_id)
        messages, older = _message_page(request, conversation)
        data = s.MessageOutputSerializer(messages, many=True).data
        return Response({"results": data, "older_cursor": older})

    @extend_schema(
        operation_id="conversation_reply",
        request=PolymorphicProxySerializer(
            component_name="ReplyInput",
            serializers=s.REPLY_INPUTS,
            resource_type_field_name="kind",
        ),
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="Repeat a request safely: the same key and body return the first "
                "message (200); the same key with another body is refused (409).",
                # Printable ASCII: a header value carries nothing else intact.
                pattern=f"^{IDEMPOTENCY_KEY.pattern}$",
            )
        ],
        responses={
            201: s.MessageOutputSerializer,
            200: s.MessageOutputSerializer,
            **CONFLICT,
        },
        description="Queues the reply. `kind` chooses the message and the shape of its "
        "`payload` (no other keys are accepted). A send-rule refusal (too long, region without "
        "chat API, ...) is stored and returned as a `failed` message with its reason (201).",
    )
    def post(self, request, conversation_id: int):
        conversation = _conversation(request, conversation_id)
        data = s.reply_input_validate(request.data)
        key = request.headers.get("Idempotency-Key")
        if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
            return _error(
                f"Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_MAX} printable ASCII characters "
                "without spaces.",
                400,
            )
        try:
            message, created = message_send_reply(
                conversation=conversation,
                user=request.user,
                kind=data["kind"],
                text=data["text"],
                payload=data["payload"],
                idempotency_key=key or "",
            )
        except IdempotencyConflict as exc:
            return _error(str(exc), http.HTTP_409_CONFLICT)
        except ReplyRejected as exc:
            return _error(str(exc), http.HTTP_400_BAD_REQUEST)
        status = http.HTTP_201_CREATED if created else http.HTTP_200_OK
        return Response(s.MessageOutputSerializer(message).data, status=status)


class MessageRetryApi(APIView):
    required_scopes = ["messages:write"]

    @extend_schema(
        operation_id="message_retry",
        request=None,
        responses={200: s.MessageOutputSerializer, **CONFLICT},
        description="Sends a failed message again. One that did not fail, or whose failure "
        "cannot pass (too long, region without chat API), is a conflict (409).",
    )
    def post(self, request, message_id: int):
        try:
            message = message_get_for_user(user=request.user, message_id=message_id)
        except Message.DoesNotExist:
            raise Http404 from None
        try:
            message = message_retry(message=message, user=request.user)
        except ReplyRejected as exc:  # not failed, or failed for good: the message's state
            return _error(str(exc), http.HTTP_409_CONFLICT)
        return Response(s.MessageOutputSerializer(message).data)


class ConversationReadApi(APIView):
    """Clear the unread count and tell the marketplace (`platform_synced` says if it worked)."""

    required_scopes = ["conversations:write"]

    @extend_schema(
        operation_id="conversation_mark_read",
        request=None,
        responses={200: s.MarkReadOutputSerializer},
    )
    def post(self, request, conversation_id: int):
        result = conversation_mark_read(
            conversation=_conversation(request, conversation_id), actor=request.user
        )
        return Response(
            {
                "conversation": s.ConversationOutputSerializer(result.conversation).data,
                "platform_synced": result.platform_synced,
                "platform_error": result.platform_error,
            }
        )


class ConversationAssignApi(APIView):
    """Assign, transfer (`assignee_id` of someone who may see the shop) or unassign (null)."""

    required_scopes = ["conversations:write"]

    @extend_schema(
        operation_id="conversation_assign",
        request=s.AssignInputSerializer,
        responses={200: s.ConversationOutputSerializer},
    )
    def post(self, request, conversation_id: int):
        conversation = _conversation(request, conversation_id)
        data = s.AssignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignee, assignee_id = None, data.validated_data["assignee_id"]
        if assignee_id is not None:
            assignee = assignee_get_for_conversation(conversation=conversation, user_id=assignee_id)
            if assignee is None:
                raise ValidationError(
                    {"assignee_id": ["No active agent with this id works on this shop."]}
                )
        conversation = conversation_assign(
            conversation=conversation, assignee=assignee, actor=request.user
        )
        return Response(s.ConversationOutputSerializer(conversation).data)


class _StatusApi(APIView):
    required_scopes = ["conversations:write"]

    def _change(self, request, conversation_id: int, service) -> Response:
        conversation = _conversation(request, conversation_id)
        try:
            conversation = service(conversation=conversation, actor=request.user)
        except ConversationActionRefused as exc:
            return _error(str(exc), http.HTTP_409_CONFLICT)
        return Response(s.ConversationOutputSerializer(conversation).data)


_STATUS_RESPONSES = {200: s.ConversationOutputSerializer, **CONFLICT}


class ConversationResolveApi(_StatusApi):
    @extend_schema(operation_id="conversation_resolve", request=None, responses=_STATUS_RESPONSES)
    def post(self, request, conversation_id: int):
        return self._change(request, conversation_id, conversation_resolve)


class ConversationReopenApi(_StatusApi):
    @extend_schema(operation_id="conversation_reopen", request=None, responses=_STATUS_RESPONSES)
    def post(self, request, conversation_id: int):
        return self._change(request, conversation_id, conversation_reopen)


class ConversationOrdersApi(APIView):
    """The buyer's orders in this conversation's shop (cache), with tracking and returns."""

    required_scopes = ["conversations:read"]

    @extend_schema(
        operation_id="conversation_orders",
        responses={200: s.OrderOutputSerializer(many=True)},
    )
    def get(self, request, conversation_id: int):
        orders = buyer_orders_for_conversation(conversation=_conversation(request, conversation_id))
        return Response(s.OrderOutputSerializer(orders, many=True).data)


class ConversationOrdersRefreshApi(APIView):
    """Fetch the buyer's known orders again from the marketplace, then return the cache."""

    required_scopes = ["conversations:write"]

    @extend_schema(
        operation_id="conversation_orders_refresh",
        request=None,
        responses={200: s.OrderRefreshOutputSerializer},
    )
    def post(self, request, conversation_id: int):
        conversation = _conversation(request, conversation_id)
        report = buyer_orders_refresh(conversation=conversation)
        orders = buyer_orders_for_conversation(conversation=conversation)
        return Response(
            {
                "refreshed": report.refreshed,
                "errors": report.errors,
                "orders": s.OrderOutputSerializer(orders, many=True).data,
            }
        )
