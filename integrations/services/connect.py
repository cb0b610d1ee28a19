"""Connecting shops: the authorization link, the callback's code exchange, the capability probe,
and deauthorization."""

import logging

from django.core import signing
from django.db import transaction
from django.utils import timezone

from integrations.adapters import get_adapter, platforms
from integrations.errors import AdapterError
from integrations.models import IntegrationAlert, Shop, ShopToken, Site
from integrations.services.alerts import integration_alert_raise
from integrations.services.tokens import shop_api_call, shop_reconnected, shop_tokens_store
from integrations.types import ShopAuth

logger = logging.getLogger(__name__)

_STATE_SALT = "integrations.connect"
STATE_MAX_AGE_SECONDS = 600  # an authorization code lives 10 minutes


class ConnectError(Exception):
    """The authorization could not be completed; the message is shown to the admin."""


def shop_connect_url(*, platform: str, redirect_url: str, user_id: int) -> str:
    """The marketplace's authorization link. The redirect carries a signed state bound to the
    admin who started the flow, so a forged callback cannot attach someone else's shop."""
    if platform not in platforms():
        raise ConnectError(f"No marketplace {platform!r} can be connected here.")
    state = signing.dumps({"u": user_id, "p": platform}, salt=_STATE_SALT)
    separator = "&" if "?" in redirect_url else "?"
    return get_adapter(platform).auth_url(redirect_url=f"{redirect_url}{separator}state={state}")


def shop_connect_state_check(*, state: str, user_id: int) -> str:
    """The platform named in a valid state for this user, or ConnectError."""
    try:
        data = signing.loads(state, salt=_STATE_SALT, max_age=STATE_MAX_AGE_SECONDS)
    except signing.SignatureExpired as exc:
        raise ConnectError("The authorization took longer than 10 minutes; start again.") from exc
    except signing.BadSignature as exc:
        raise ConnectError("The authorization callback is not one this system started.") from exc
    if data.get("u") != user_id:
        raise ConnectError("The authorization was started by another user.")
    if data.get("p") not in platforms():
        raise ConnectError(f"No marketplace {data.get('p')!r} can be connected here.")
    return data["p"]


def shop_connect_complete(
    *, platform: str, code: str, shop_id: str = "", main_account_id: str = ""
) -> list[Shop]:
    """Exchange the callback's code and store the shops it authorizes (one, or a main account's
    several). Nothing is written unless the exchange and every shop lookup succeed."""
    if not code or bool(shop_id) == bool(main_account_id):
        raise ConnectError(
            "The callback must carry a code and exactly one of shop_id or main_account_id."
        )
    adapter = get_adapter(platform)
    try:
        pair = adapter.exchange_code(
            code=code, shop_id=shop_id or None, main_account_id=main_account_id or None
        )
    except AdapterError as exc:
        raise ConnectError(f"The marketplace refused the authorization code: {exc}") from exc
    shop_ids = list(pair.shop_ids) or ([pair.shop_id] if pair.shop_id else [shop_id])
    infos = []
    for sid in shop_ids:
        try:
            infos.append(
                adapter.get_shop_info(ShopAuth(shop_id=sid, access_token=pair.access_token))
            )
        except AdapterError as exc:
            raise ConnectError(f"Could not read shop {sid}: {exc}") from exc
    shops = []
    with transaction.atomic():
        for info in infos:
            shop, _ = Shop.objects.select_for_update().get_or_create(
                platform=platform,
                platform_shop_id=info.shop_id,
                defaults={"site": _site(info.region), "name": info.name or info.shop_id},
            )
            shop.name = info.name or shop.name
            shop.site = _site(info.region)
            shop.status = Shop.Status.ACTIVE
            shop.status_reason = ""
            shop.main_account_id = main_account_id
            shop.merchant_id = info.merchant_id or ""
            shop.authorization_expires_at = info.authorization_expires_at
            shop.save()
            shop_tokens_store(shop=shop, pair=pair)
            shop_reconnected(shop=shop)
            shops.append(shop)
    for shop in shops:
        shop_capabilities_probe(shop=shop)
    logger.info("connected %s shop(s): %s", platform, [s.platform_shop_id for s in shops])
    return shops


def _site(region: str) -> str:
    region = (region or "").upper()
    if region not in Site.values:
        raise ConnectError(f"Shop region {region!r} is not a supported site.")
    return region


def capabilities_missing(capabilities: dict) -> list[str]:
    """What the app should be allowed but is not; sending where the platform offers none on the
    shop's site (TW) is a known limit, not a missing permission."""
    expected = ["chat_read", "chat_write", "order_read"]
    if capabilities.get("chat_write_offered") is False:
        expected.remove("chat_write")
    return [name for name in expected if not capabilities.get(name)]


def shop_capabilities_probe(*, shop: Shop) -> dict:
    """Record what the app may do for this shop (chat read/write, orders, returns, push)."""
    caps = shop_api_call(shop=shop, call=get_adapter(shop.platform).probe_capabilities)
    result = {
        "chat_read": caps.chat,
        "chat_write": caps.chat_send,
        "order_read": caps.orders,
        "return_read": caps.returns,
        "push": caps.push,
        "notes": list(caps.notes),
        "chat_write_offered": caps.chat_send_offered,
    }
    shop.capabilities = result
    shop.capabilities_checked_at = timezone.now()
    shop.save(update_fields=["capabilities", "capabilities_checked_at", "updated_at"])
    missing = capabilities_missing(result)
    if missing:
        integration_alert_raise(
            shop=shop,
            kind=IntegrationAlert.Kind.CAPABILITY_MISSING,
            message=f"The app may not use: {', '.join(missing)}. Check the app's API permissions.",
        )
    return result


def shop_deauthorize(*, platform: str, platform_shop_id: str, reason: str) -> Shop | None:
    """The seller revoked the app (push code 2): the shop needs re-authorization (not
    *Disabled*, which reads as an admin's choice), its tokens are dropped and its authorization
    expiry cleared; reconnecting it restores it."""
    with transaction.atomic():
        shop = (
            Shop.objects.select_for_update()
            .filter(platform=platform, platform_shop_id=platform_shop_id)
            .first()
        )
        if shop is None:
            logger.warning("deauthorization for unknown %s shop %s", platform, platform_shop_id)
            return None
        shop.status = Shop.Status.NEEDS_REAUTH
        shop.status_reason = reason
        shop.authorization_expires_at = None
        shop.save(
            update_fields=["status", "status_reason", "authorization_expires_at", "updated_at"]
        )
        ShopToken.objects.filter(shop=shop).delete()
        integration_alert_raise(shop=shop, kind=IntegrationAlert.Kind.DEAUTHORIZED, message=reason)
    return shop
