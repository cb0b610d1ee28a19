"""Token storage and refresh.

Refresh is single-flight per shop: callers claim the ShopToken row (a conditional update), and
whoever gets it first refreshes, with no lock held during the marketplace call; the others find
a fresh token when the claim is released. The new pair is committed before anyone uses it,
because Shopee's refresh tokens work once.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import NoReturn

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from integrations.adapters import get_adapter
from integrations.errors import (
    AdapterError,
    AuthError,
    RefreshInProgress,
    RefreshTokenInvalid,
    ShopAccessRevoked,
)
from integrations.models import IntegrationAlert, Shop, ShopToken
from integrations.services.alerts import integration_alert_raise, integration_alerts_resolve
from integrations.services.credentials import shop_credentials
from integrations.types import ShopAuth, TokenPair
from shopee_cs.crypto import decrypt, encrypt
from shopee_cs.db import connection_release

logger = logging.getLogger(__name__)

REFRESH_TOKEN_LIFETIME = timedelta(days=30)
# The errors after which retrying cannot help: the seller must authorize again.
_PERMANENT_REFRESH_ERRORS = (RefreshTokenInvalid, ShopAccessRevoked, AuthError)


class ShopNotConnected(Exception):
    """The shop has no usable authorization; a person must reconnect it."""

    def __init__(self, shop: Shop, reason: str) -> None:
        super().__init__(f"shop {shop.platform_shop_id} cannot call the API: {reason}")
        self.shop = shop
        self.reason = reason


def shop_tokens_store(*, shop: Shop, pair: TokenPair) -> ShopToken:
    """Persist a freshly issued pair (connect or refresh); the caller owns the transaction."""
    now = timezone.now()
    token, _ = ShopToken.objects.update_or_create(
        shop=shop,
        defaults={
            "access_token_encrypted": encrypt(pair.access_token),
            "refresh_token_encrypted": encrypt(pair.refresh_token),
            "access_expires_at": pair.expires_at,
            "refresh_expires_at": now + REFRESH_TOKEN_LIFETIME,
        },
    )
    return token


def _valid_for(token: ShopToken, margin: timedelta) -> bool:
    return token.access_expires_at - margin > timezone.now()


def shop_auth_get(
    *,
    shop: Shop,
    min_validity: timedelta = timedelta(seconds=60),
    token: ShopToken | None = None,
) -> ShopAuth:
    """A currently valid access token for the shop, refreshing first when it is about to expire.

    ``token`` is the shop's row when the caller loaded it in the same query as the shop (one
    round trip less on the send path); it is read fresh otherwise.
    """
    if shop.status != Shop.Status.ACTIVE:
        raise ShopNotConnected(shop, shop.status_reason or shop.get_status_display())
    if token is None or token.shop_id != shop.pk:
        token = ShopToken.objects.filter(shop=shop).first()
    if token is None:
        raise ShopNotConnected(shop, "never authorized")
    if _valid_for(token, min_validity):
        return ShopAuth(
            shop_id=shop.platform_shop_id,
            access_token=decrypt(token.access_token_encrypted),
            credentials=shop_credentials(shop),
        )
    auth = shop_tokens_refresh(shop=shop, min_validity=min_validity)
    return replace(auth, credentials=shop_credentials(shop))


def shop_api_call[T](
    *, shop: Shop, call: Callable[[ShopAuth], T], token: ShopToken | None = None
) -> T:
    """Run ``call`` (one or more marketplace calls) with the shop's access token.

    A call refused for the token (revoked before its expiry, e.g. the pair was refreshed
    elsewhere) refreshes the pair, single-flight, and runs once more with the new token. If the
    refresh is refused, or the new token is refused too, or the marketplace says the shop's
    authorization is gone, the shop is marked *Needs re-authorization* with the reason and one
    alert, and ShopNotConnected is raised: nothing calls for it again until it is reconnected.
    """
    auth = shop_auth_get(shop=shop, token=token)
    connection_release()  # the call may wait for seconds: no connection held idle through it
    try:
        return call(auth)
    except AuthError as exc:
        logger.warning("shop %s: access token refused (%s); refreshing", shop.platform_shop_id, exc)
    except ShopAccessRevoked as exc:
        _authorization_lost(shop, f"The marketplace refused the shop's authorization: {exc}.", exc)
    fresh = replace(
        shop_tokens_refresh(shop=shop, refused_access_token=auth.access_token),
        credentials=shop_credentials(shop),
    )
    connection_release()
    try:
        return call(fresh)
    except (AuthError, ShopAccessRevoked) as exc:
        _authorization_lost(shop, f"A freshly refreshed access token was refused: {exc}.", exc)


def _authorization_lost(shop: Shop, reason: str, cause: Exception) -> NoReturn:
    """Mark the shop (once) and raise ShopNotConnected."""
    full = f"{reason} Reconnect the shop to authorize again."
    with transaction.atomic():
        locked = Shop.objects.select_for_update().get(pk=shop.pk)
        if locked.status == Shop.Status.ACTIVE:
            _mark_needs_reauth(shop=locked, reason=full)
    shop.refresh_from_db()
    raise ShopNotConnected(shop, shop.status_reason or full) from cause


# A refresh ends well within this (the client's attempts at one call and their backoff); a
# claim left by a killed process frees the shop after it.
REFRESH_CLAIM = timedelta(seconds=120)
# How long a caller waits for another's refresh before it gives up (retryable) for now.
REFRESH_WAIT_SECONDS = 20.0
REFRESH_POLL_SECONDS = 0.05


def _refresh_claim(token: ShopToken):
    """The claim's end if this caller may refresh the pair (a conditional update, committed at
    once), else None: another caller is refreshing it."""
    now = timezone.now()
    until = now + REFRESH_CLAIM
    taken = (
        ShopToken.objects.filter(pk=token.pk)
        .filter(Q(refreshing_until__isnull=True) | Q(refreshing_until__lt=now))
        .update(refreshing_until=until)
    )
    return until if taken else None


def shop_tokens_refresh(
    *,
    shop: Shop,
    min_validity: timedelta = timedelta(seconds=60),
    force: bool = False,
    refused_access_token: str | None = None,
) -> ShopAuth:
    """Refresh the pair unless another caller did while we waited for it.

    Single-flight per shop without a lock held through the marketplace call: the caller that
    claims the token row calls it, with no transaction open and the connection handed back,
    then stores the new pair in one short transaction; the others wait for the claim to clear
    and use that pair (RefreshInProgress after REFRESH_WAIT_SECONDS).

    ``refused_access_token``: the marketplace refused this token before its expiry; refresh
    unless the stored one is already another (a concurrent caller refreshed it)."""
    waited_since, seen = None, None
    while True:
        current = Shop.objects.get(pk=shop.pk)
        if current.status != Shop.Status.ACTIVE:
            raise ShopNotConnected(current, current.status_reason or current.status)
        token = ShopToken.objects.filter(shop=current).first()
        if token is None:
            raise ShopNotConnected(current, "never authorized")
        seen = seen or token.access_token_encrypted
        if _usable(token, seen, force, min_validity, refused_access_token):
            return _auth(current, token)
        if token.refreshing_until is None or token.refreshing_until < timezone.now():
            claim = _refresh_claim(token)
            if claim is not None:
                break
        now = time.monotonic()
        waited_since = waited_since if waited_since is not None else now
        if now - waited_since > REFRESH_WAIT_SECONDS:
            raise RefreshInProgress("another caller is refreshing the shop's tokens")
        time.sleep(REFRESH_POLL_SECONDS)
    try:
        # Read again under the claim: a refresh that ended just before it rotated the pair.
        token = ShopToken.objects.get(pk=token.pk)
        if _usable(token, seen, force, min_validity, refused_access_token):
            return _auth(current, token)
        return _refresh_claimed(current, token, claim)
    finally:  # only our own claim: one that outlived it may have been taken by another caller
        ShopToken.objects.filter(pk=token.pk, refreshing_until=claim).update(refreshing_until=None)


def _usable(
    token: ShopToken, seen: str, force: bool, min_validity: timedelta, refused: str | None
) -> bool:
    """Valid long enough; when forced, only a pair another caller stored since `seen` will do,
    and when a token was refused, only another one."""
    if refused is not None:
        rotated = decrypt(token.access_token_encrypted) != refused
        return rotated and _valid_for(token, min_validity)
    rotated = token.access_token_encrypted != seen
    return (rotated or not force) and _valid_for(token, min_validity)


def _auth(shop: Shop, token: ShopToken) -> ShopAuth:
    return ShopAuth(
        shop_id=shop.platform_shop_id, access_token=decrypt(token.access_token_encrypted)
    )


def _refresh_claimed(shop: Shop, token: ShopToken, claim) -> ShopAuth:
    adapter = get_adapter(shop.platform)
    refresh_token = decrypt(token.refresh_token_encrypted)
    connection_release()
    try:
        pair = adapter.refresh_tokens(refresh_token=refresh_token, shop_id=shop.platform_shop_id)
    except _PERMANENT_REFRESH_ERRORS as exc:
        with transaction.atomic():
            locked_shop = Shop.objects.select_for_update().get(pk=shop.pk)
            if locked_shop.status == Shop.Status.ACTIVE:
                _mark_needs_reauth(shop=locked_shop, reason=_reason(exc))
        shop.refresh_from_db()
        raise ShopNotConnected(shop, shop.status_reason) from exc
    with transaction.atomic():
        # The shop first, as a deauthorization locks it: a pair refreshed meanwhile is not
        # stored for a shop that was disconnected.
        locked_shop = Shop.objects.select_for_update().get(pk=shop.pk)
        if (
            locked_shop.status != Shop.Status.ACTIVE
            or not ShopToken.objects.filter(pk=token.pk, refreshing_until=claim).exists()
        ):
            raise ShopNotConnected(
                locked_shop, locked_shop.status_reason or "disconnected during the refresh"
            )
        shop_tokens_store(shop=locked_shop, pair=pair)
        ShopToken.objects.filter(pk=token.pk).update(
            refreshed_at=timezone.now(), refresh_count=token.refresh_count + 1
        )
    logger.info("refreshed tokens of shop %s", shop.platform_shop_id)
    shop.refresh_from_db()
    return ShopAuth(shop_id=shop.platform_shop_id, access_token=pair.access_token)


def _reason(exc: AdapterError) -> str:
    code = getattr(exc, "code", "") or type(exc).__name__
    message = getattr(exc, "message", "") or str(exc)
    return f"Token refresh refused ({code}): {message}. Reconnect the shop to authorize again."


def _mark_needs_reauth(*, shop: Shop, reason: str) -> None:
    shop.status = Shop.Status.NEEDS_REAUTH
    shop.status_reason = reason
    shop.save(update_fields=["status", "status_reason", "updated_at"])
    integration_alert_raise(shop=shop, kind=IntegrationAlert.Kind.NEEDS_REAUTH, message=reason)
    logger.error("shop %s needs re-authorization: %s", shop.platform_shop_id, reason)


def shop_tokens_due_for_refresh() -> list[int]:
    """Ids of active shops whose access token expires within the refresh margin."""
    horizon = timezone.now() + timedelta(seconds=settings.TOKEN_REFRESH_MARGIN_SECONDS)
    return list(
        Shop.objects.filter(
            status=Shop.Status.ACTIVE, token__access_expires_at__lte=horizon
        ).values_list("pk", flat=True)
    )


def shop_tokens_reencrypt() -> int:
    """Re-encrypt every stored token under the primary key (after a key rotation)."""
    from shopee_cs.crypto import reencrypt

    count = 0
    with transaction.atomic():
        for token in ShopToken.objects.select_for_update():
            token.access_token_encrypted = reencrypt(token.access_token_encrypted)
            token.refresh_token_encrypted = reencrypt(token.refresh_token_encrypted)
            token.save(update_fields=["access_token_encrypted", "refresh_token_encrypted"])
            count += 1
    return count


def shop_reconnected(*, shop: Shop) -> None:
    """Clear the needs-reauth state after a successful authorization."""
    integration_alerts_resolve(
        shop=shop,
        kinds=[IntegrationAlert.Kind.NEEDS_REAUTH, IntegrationAlert.Kind.DEAUTHORIZED],
    )
