"""The only module that talks HTTP to Shopee. It signs, sends through ``shopee_cs.http``, parses
the envelope, raises ``integrations.errors`` and retries what is safe to retry.

Payloads are returned in Shopee's own shape (dicts); ``adapter.py`` maps them to DTOs.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from integrations import errors as e
from integrations import untrusted_json
from integrations.shopee import signing
from integrations.shopee.errors import is_timestamp_error, to_exception
from shopee_cs import http

logger = logging.getLogger(__name__)

DEFAULT_HOST = "https://partner.shopeemobile.com"
API = "/api/v2/"

# Calls whose repetition after an unknown outcome would do harm: a duplicate buyer message, or
# burning a single-use code / refresh token. Everything else is safe to resend.
NON_IDEMPOTENT = {
    "sellerchat/send_message",
    "sellerchat/send_autoreply_message",
    "auth/token/get",
    "auth/access_token/get",
}
# Buyer-facing sends get their own (shorter) read timeout: a slow send is resolved safely by
# reading the conversation back, and must not hold a worker for the full API timeout.
SENDS = {"sellerchat/send_message", "sellerchat/send_autoreply_message"}
PUBLIC = {"auth/token/get", "auth/access_token/get", "public/get_shops_by_partner"}
# push.* is typed "Public" in Shopee's schemas: signed without token and shop id (doc §2).
PUBLIC_PREFIXES = ("push/", "public/", "auth/")
# Endpoints that answer at the top level of the body, with no "response" (doc §3, §4).
TOP_LEVEL = {
    "auth/token/get",
    "auth/access_token/get",
    "public/get_shops_by_partner",
    "shop/get_shop_info",
}


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0

    def delay(self, attempt: int, rng: random.Random, retry_after: float | None) -> float:
        # Full jitter (AWS backoff article); a server-given Retry-After is a floor.
        d = rng.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))
        return max(d, retry_after or 0.0)


def _network_error(exc: requests.RequestException) -> e.NetworkError:
    """Decide whether the request may have reached Shopee."""
    if isinstance(exc, requests.ConnectTimeout):
        return e.NetworkError(f"connect timeout: {exc}", outcome_unknown=False)
    if isinstance(exc, requests.ReadTimeout):
        return e.NetworkError(f"read timeout: {exc}", outcome_unknown=True)
    text = repr(exc)
    # NewConnectionError / NameResolutionError: no connection, nothing was sent.
    never_sent = ("NewConnectionError", "NameResolutionError", "ConnectTimeoutError")
    if isinstance(exc, requests.ConnectionError) and any(n in text for n in never_sent):
        return e.NetworkError(f"connection failed: {exc}", outcome_unknown=False)
    # "Connection aborted" / reset after the request was written: it may have been processed.
    return e.NetworkError(f"connection lost: {exc}", outcome_unknown=True)


def _retry_after(resp: requests.Response) -> float | None:
    value = resp.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


class ShopeeClient:
    def __init__(
        self,
        *,
        partner_id: int | str,
        partner_key: str,
        host: str = DEFAULT_HOST,
        timeout: float | tuple[float, float] | None = None,
        send_timeout: float | tuple[float, float] | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        # Unset before the app is registered: the client is still built (a push is then refused
        # with 503, see verify_push), and every call raises NotConfigured.
        self.partner_id = int(partner_id) if str(partner_id).strip() else 0
        self.partner_key = signing.normalize_partner_key(partner_key)
        self.host = host.rstrip("/")
        self.timeout = timeout
        self.send_timeout = send_timeout
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()

    # -- transport ---------------------------------------------------------------------------

    def _signed_query(
        self, path: str, *, shop_id: str | None, merchant_id: str | None, access_token: str | None
    ) -> dict[str, str]:
        ts = signing.now_ts()
        q = {"partner_id": str(self.partner_id), "timestamp": str(ts)}
        if shop_id is not None:
            q["sign"] = signing.sign_shop(
                self.partner_key, self.partner_id, path, ts, access_token or "", shop_id
            )
            q.update(access_token=access_token or "", shop_id=str(shop_id))
        elif merchant_id is not None:
            q["sign"] = signing.sign_merchant(
                self.partner_key, self.partner_id, path, ts, access_token or "", merchant_id
            )
            q.update(access_token=access_token or "", merchant_id=str(merchant_id))
        else:
            q["sign"] = signing.sign_public(self.partner_key, self.partner_id, path, ts)
        return q

    def call(
        self,
        method: str,
        api: str,
        *,
        shop_id: str | None = None,
        merchant_id: str | None = None,
        access_token: str | None = None,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        files: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Call ``/api/v2/<api>`` and return ``response`` (or the top-level body for the token
        endpoints and get_shops_by_partner). Raises ``integrations.errors.AdapterError``."""
        if not (self.partner_id and self.partner_key):
            raise e.NotConfigured(
                "SHOPEE_PARTNER_ID and SHOPEE_PARTNER_KEY must be set", code="not_configured"
            )
        api = api.strip("/")
        path = API + api
        public = api in PUBLIC or api.startswith(PUBLIC_PREFIXES)
        if not public and shop_id is None and merchant_id is None:
            raise ValueError(f"{api} is a shop/merchant API: pass shop_id or merchant_id")
        idempotent = api not in NON_IDEMPOTENT
        attempt = 0
        while True:
            try:
                data = self._once(
                    method,
                    path,
                    shop_id=None if public else shop_id,
                    merchant_id=None if public else merchant_id,
                    access_token=access_token,
                    params=params,
                    body=body,
                    files=files,
                )
                return _payload(data, api)
            except (e.RateLimited, e.ServerError, e.NetworkError) as exc:
                attempt += 1
                unknown = isinstance(exc, e.NetworkError) and exc.outcome_unknown
                if (unknown and not idempotent) or attempt >= self.retry.max_attempts:
                    raise
                retry_after = getattr(exc, "retry_after", None)
                if retry_after is not None and retry_after > self.retry.max_delay:
                    raise  # e.g. the daily quota: let the caller reschedule
                delay = self.retry.delay(attempt - 1, self._rng, retry_after)
                logger.info("shopee %s: %s; retry %d in %.2fs", api, exc, attempt, delay)
                self._sleep(delay)

    def _once(self, method, path, *, shop_id, merchant_id, access_token, params, body, files):
        query = self._signed_query(
            path, shop_id=shop_id, merchant_id=merchant_id, access_token=access_token
        )
        query.update({k: _param(v) for k, v in (params or {}).items() if v is not None})
        kwargs: dict[str, Any] = {"params": query}
        if files is not None:
            kwargs["files"] = files
            if body:
                kwargs["data"] = body
        elif method.upper() == "POST":
            kwargs["json"] = body or {}
        timeout = self.send_timeout if path[len(API) :] in SENDS else None
        timeout = self.timeout if timeout is None else timeout
        if timeout is not None:
            kwargs["timeout"] = timeout
        try:
            resp = http.request(method.upper(), self.host + path, **kwargs)
        except requests.RequestException as exc:
            raise _network_error(exc) from exc
        signing.check_clock_skew(resp.headers.get("Date"), source=path)
        return self._parse(resp, path)

    def _parse(self, resp: requests.Response, path: str) -> dict[str, Any]:
        try:
            # Python's json keeps big integers exact; the adapter turns every id into str.
            data = untrusted_json.loads(resp.content)
        except ValueError:
            data = None
        status = resp.status_code
        if not isinstance(data, dict):
            raise to_exception(
                code="",
                message=f"HTTP {status} with a non-JSON body",
                http_status=status,
                path=path,
                retry_after=_retry_after(resp),
            )
        code = str(data.get("error") or "").strip()
        message = str(data.get("message") or data.get("msg") or "")
        request_id = str(data.get("request_id") or "")
        if code in ("", "-") and status < 400:
            if data.get("warning"):
                logger.warning("shopee %s warning: %s (%s)", path, data["warning"], request_id)
            return data
        if is_timestamp_error(code, message):
            signing.check_clock_skew(resp.headers.get("Date"), source=path, threshold=0)
        raise to_exception(
            code=code,
            message=message,
            request_id=request_id,
            http_status=status,
            path=path,
            retry_after=_retry_after(resp),
        )

    # -- auth (public sign, top-level fields) ------------------------------------------------

    def get_access_token(
        self, *, code: str, shop_id: str | None = None, main_account_id: str | None = None
    ) -> dict[str, Any]:
        if (shop_id is None) == (main_account_id is None):
            raise ValueError("pass exactly one of shop_id or main_account_id")
        body: dict[str, Any] = {"code": code, "partner_id": self.partner_id}
        if shop_id is not None:
            body["shop_id"] = int(shop_id)
        elif main_account_id is not None:
            body["main_account_id"] = int(main_account_id)
        return self.call("POST", "auth/token/get", body=body)

    def refresh_access_token(
        self, *, refresh_token: str, shop_id: str | None = None, merchant_id: str | None = None
    ) -> dict[str, Any]:
        if (shop_id is None) == (merchant_id is None):
            raise ValueError("pass exactly one of shop_id or merchant_id")
        body: dict[str, Any] = {"refresh_token": refresh_token, "partner_id": self.partner_id}
        if shop_id is not None:
            body["shop_id"] = int(shop_id)
        elif merchant_id is not None:
            body["merchant_id"] = int(merchant_id)
        return self.call("POST", "auth/access_token/get", body=body)

    def get_shops_by_partner(self, *, page_no: int = 1, page_size: int = 100) -> dict[str, Any]:
        return self.call(
            "GET",
            "public/get_shops_by_partner",
            params={"page_no": page_no, "page_size": page_size},
        )

    # -- push recovery (public sign) ---------------------------------------------------------

    def get_lost_push_message(self) -> dict[str, Any]:
        return self.call("GET", "push/get_lost_push_message")

    def confirm_consumed_lost_push_message(self, *, last_message_id: str | int) -> dict[str, Any]:
        return self.call(
            "POST",
            "push/confirm_consumed_lost_push_message",
            body={"last_message_id": int(last_message_id)},
        )

    # -- shop APIs ---------------------------------------------------------------------------

    def _shop(self, method, api, shop_id, access_token, **kw) -> dict[str, Any]:
        return self.call(method, api, shop_id=str(shop_id), access_token=access_token, **kw)

    def get_shop_info(self, *, shop_id: str, access_token: str) -> dict[str, Any]:
        return self._shop("GET", "shop/get_shop_info", shop_id, access_token)

    def get_shop_performance(self, *, shop_id: str, access_token: str) -> dict[str, Any]:
        return self._shop("GET", "account_health/get_shop_performance", shop_id, access_token)

    def get_conversation_list(
        self,
        *,
        shop_id: str,
        access_token: str,
        direction: str = "latest",
        type: str = "all",
        next_timestamp_nano: str | int | None = None,
        page_size: int = 25,
        business_type: int | None = None,
    ) -> dict[str, Any]:
        params = {
            "direction": direction,
            "type": type,
            "next_timestamp_nano": next_timestamp_nano,
            "page_size": page_size,
            "business_type": business_type,
        }
        api = "sellerchat/get_conversation_list"
        return self._shop("GET", api, shop_id, access_token, params=params)

    def get_one_conversation(
        self, *, shop_id: str, access_token: str, conversation_id: str
    ) -> dict[str, Any]:
        params = {"conversation_id": conversation_id}
        api = "sellerchat/get_one_conversation"
        return self._shop("GET", api, shop_id, access_token, params=params)

    def get_message(
        self,
        *,
        shop_id: str,
        access_token: str,
        conversation_id: str,
        offset: str | None = None,
        page_size: int = 25,
        message_id_list: Iterable[str] | None = None,
    ) -> dict[str, Any]:
        params = {"conversation_id": conversation_id, "offset": offset, "page_size": page_size}
        if message_id_list:
            params["message_id_list"] = ",".join(str(m) for m in message_id_list)
        return self._shop("GET", "sellerchat/get_message", shop_id, access_token, params=params)

    def send_message(
        self,
        *,
        shop_id: str,
        access_token: str,
        to_id: str | int,
        message_type: str,
        content: dict[str, Any],
        business_type: int | None = None,
        conversation_id: str | None = None,
        source_content: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        # to_id goes out as a JSON integer (Shopee's type); Python ints are exact at any size.
        body: dict[str, Any] = {
            "to_id": int(to_id),
            "message_type": message_type,
            "content": content,
        }
        if business_type is not None:
            body["business_type"] = business_type
        if conversation_id:
            body["conversation_id"] = conversation_id
        if source_content:
            body["source_content"] = source_content
        return self._shop("POST", "sellerchat/send_message", shop_id, access_token, body=body)

    def send_autoreply_message(
        self, *, shop_id: str, access_token: str, to_id: str | int, text: str
    ) -> dict[str, Any]:
        body = {"to_id": int(to_id), "content": {"text": text}}
        api = "sellerchat/send_autoreply_message"
        return self._shop("POST", api, shop_id, access_token, body=body)

    def read_conversation(
        self, *, shop_id: str, access_token: str, conversation_id: str, last_read_message_id: str
    ) -> dict[str, Any]:
        body = {"conversation_id": conversation_id, "last_read_message_id": last_read_message_id}
        api = "sellerchat/read_conversation"
        return self._shop("POST", api, shop_id, access_token, body=body)

    def get_unread_conversation_count(self, *, shop_id: str, access_token: str) -> dict[str, Any]:
        api = "sellerchat/get_unread_conversation_count"
        return self._shop("GET", api, shop_id, access_token)

    def upload_image(
        self,
        *,
        shop_id: str,
        access_token: str,
        filename: str,
        data: bytes,
        content_type: str = "image/jpeg",
    ) -> dict[str, Any]:
        files = {"file": (filename, data, content_type)}
        return self._shop("POST", "sellerchat/upload_image", shop_id, access_token, files=files)

    def get_order_list(
        self,
        *,
        shop_id: str,
        access_token: str,
        time_from: int,
        time_to: int,
        time_range_field: str = "update_time",
        page_size: int = 50,
        cursor: str = "",
        order_status: str | None = None,
    ) -> dict[str, Any]:
        params = {
            "time_range_field": time_range_field,
            "time_from": time_from,
            "time_to": time_to,
            "page_size": page_size,
            "cursor": cursor,
            "order_status": order_status,
            "response_optional_fields": "order_status",
        }
        return self._shop("GET", "order/get_order_list", shop_id, access_token, params=params)

    def get_order_detail(
        self,
        *,
        shop_id: str,
        access_token: str,
        order_sn_list: Iterable[str],
        response_optional_fields: str = (
            "buyer_user_id,buyer_username,item_list,package_list,total_amount,"
            "shipping_carrier,note,cancel_reason,buyer_cancel_reason"
        ),
    ) -> dict[str, Any]:
        params = {
            "order_sn_list": ",".join(order_sn_list),
            "response_optional_fields": response_optional_fields,
        }
        return self._shop("GET", "order/get_order_detail", shop_id, access_token, params=params)

    def get_tracking_number(
        self, *, shop_id: str, access_token: str, order_sn: str, package_number: str | None = None
    ) -> dict[str, Any]:
        params = {"order_sn": order_sn, "package_number": package_number or None}
        api = "logistics/get_tracking_number"
        return self._shop("GET", api, shop_id, access_token, params=params)

    def get_tracking_info(
        self, *, shop_id: str, access_token: str, order_sn: str, package_number: str | None = None
    ) -> dict[str, Any]:
        params = {"order_sn": order_sn, "package_number": package_number or None}
        api = "logistics/get_tracking_info"
        return self._shop("GET", api, shop_id, access_token, params=params)

    def get_return_list(
        self,
        *,
        shop_id: str,
        access_token: str,
        page_no: int = 0,
        page_size: int = 40,
        update_time_from: int | None = None,
        update_time_to: int | None = None,
        status: str | None = None,
    ) -> dict[str, Any]:
        params = {
            "page_no": page_no,
            "page_size": page_size,
            "update_time_from": update_time_from,
            "update_time_to": update_time_to,
            "status": status,
        }
        return self._shop("GET", "returns/get_return_list", shop_id, access_token, params=params)

    def get_return_detail(self, *, shop_id: str, access_token: str, return_sn: str) -> dict:
        params = {"return_sn": return_sn}
        return self._shop("GET", "returns/get_return_detail", shop_id, access_token, params=params)

    def get_item_base_info(
        self, *, shop_id: str, access_token: str, item_id_list: Iterable[str | int]
    ) -> dict[str, Any]:
        params = {"item_id_list": ",".join(str(i) for i in item_id_list)}
        api = "product/get_item_base_info"
        return self._shop("GET", api, shop_id, access_token, params=params)

    def get_comment(
        self,
        *,
        shop_id: str,
        access_token: str,
        item_id: str | int | None = None,
        cursor: str = "",
        page_size: int = 50,
    ) -> dict[str, Any]:
        params = {"item_id": item_id, "cursor": cursor, "page_size": page_size}
        return self._shop("GET", "product/get_comment", shop_id, access_token, params=params)


_ENVELOPE = {"request_id", "error", "message", "msg", "warning"}


def _payload(data: dict[str, Any], api: str) -> dict[str, Any]:
    # Most endpoints wrap data in "response"; token endpoints and a few others answer at the top
    # level (doc §4). Accept either shape rather than trusting the list.
    if api not in TOP_LEVEL and isinstance(data.get("response"), dict):
        return data["response"]
    return {k: v for k, v in data.items() if k not in _ENVELOPE}


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
