"""automation's REST API (mounted at /api/v1/): the console picker's template previews."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from automation import serializers as s
from automation.selectors import buyer_language_for_conversation, template_list_for_conversation
from automation.services.templates import template_context_fetch, template_render
from chat.models import Conversation
from chat.selectors import conversation_get_for_user


class ConversationTemplatesApi(APIView):
    """The reply templates offered in a conversation, each rendered for it (the buyer's latest
    order and tracking are fetched from the marketplace first; on an error the cached values
    are used and `errors` says so)."""

    required_scopes = ["conversations:read"]

    @extend_schema(
        operation_id="conversation_template_list",
        parameters=[s.TemplatePreviewQuerySerializer],
        responses=s.TemplatePreviewListSerializer,
    )
    def get(self, request, conversation_id: int):
        query = s.TemplatePreviewQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            conversation = conversation_get_for_user(
                user=request.user, conversation_id=conversation_id
            )
        except Conversation.DoesNotExist:
            raise Http404 from None  # another team's conversation looks exactly like a missing one
        detected = buyer_language_for_conversation(conversation=conversation)
        language = query.validated_data.get("language") or detected
        templates = list(template_list_for_conversation(conversation=conversation))
        context = template_context_fetch(conversation=conversation) if templates else {}
        previews = []
        for template in templates:
            rendered = template_render(
                template=template,
                conversation=conversation,
                buyer_language=language,
                context=context,
            )
            previews.append(
                {
                    "id": template.pk,
                    "title": template.title,
                    "shop_id": template.shop_id,
                    "language": rendered.language,
                    "text": rendered.text,
                    "missing": list(rendered.missing),
                    "languages": sorted(v.language for v in template.variants.all()),
                }
            )
        return Response(
            {
                "buyer_language": detected,
                "errors": context.get("errors", []),
                "templates": previews,
            }
        )
