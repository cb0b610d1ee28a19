from contextlib import suppress
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from integrations.errors import NetworkError, RateLimited, ServerError
from integrations.models import Shop
from integrations.services.tokens import (
    ShopNotConnected,
    shop_tokens_due_for_refresh,
    shop_tokens_refresh,
)


@shared_task(name="integrations.shop_tokens_refresh_due")
def shop_tokens_refresh_due() -> int:
    """Beat: one refresh task per shop whose access token expires within the margin."""
    due = shop_tokens_due_for_refresh()
    for shop_id in due:
        shop_tokens_refresh_task.delay(shop_id)
    return len(due)


@shared_task(
    name="integrations.shop_tokens_refresh",
    autoretry_for=(ServerError, NetworkError, RateLimited),
    retry_backoff=5,
    retry_jitter=True,
    max_retries=5,
)
def shop_tokens_refresh_task(shop_id: int) -> None:
    shop = Shop.objects.get(pk=shop_id)
    margin = timedelta(seconds=settings.TOKEN_REFRESH_MARGIN_SECONDS)
    # The service marks a failed shop and raises one alert; retrying would only loop.
    with suppress(ShopNotConnected):
        # Refreshes only if the token is still due once the row lock is ours.
        shop_tokens_refresh(shop=shop, min_validity=margin)
