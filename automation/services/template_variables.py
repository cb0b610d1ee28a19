"""The {{variables}} of reply templates: their names, their longest values, how a text is checked
at save time and how each value is written in a variant's language (pure: no database).

Every value is cut to its longest length when filled in (an ellipsis marks the cut), so a text
that fits the marketplace's limit with the longest value of each variable always fits.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from integrations.adapters import adapter_class, platforms
from integrations.models import SITE_LANGUAGES
from integrations.types import OrderStatus

# -- languages ------------------------------------------------------------------------------------

TEMPLATE_LANGUAGES = ("zh-Hans", "zh-Hant", "en", "th", "vi", "ms", "id", "pt-BR", "es")
_SITE_CHINESE = {"TW": "zh-Hant"}  # Taiwan writes Traditional characters; others Simplified
_BY_LOWER = {code.lower(): code for code in TEMPLATE_LANGUAGES}


def template_language(code: str, *, site: str = "") -> str:
    """A template language for a detected one (ISO 639-1, or already a template language):
    zh is zh-Hant on the TW site and zh-Hans elsewhere, pt is pt-BR; "" when none fits."""
    code = (code or "").strip().replace("_", "-")
    if code.lower() in _BY_LOWER and code.lower() not in ("zh", "pt"):
        return _BY_LOWER[code.lower()]
    base = code.split("-")[0].lower()
    if base == "zh":
        return _SITE_CHINESE.get(site, "zh-Hans")
    if base == "pt":
        return "pt-BR"
    return _BY_LOWER.get(base, "")


def site_template_language(site: str) -> str:
    """The template language of a site's main language (integrations.models.SITE_LANGUAGES)."""
    main = next(iter(SITE_LANGUAGES.get(site, ())), "")
    return template_language(main, site=site)


# -- order status in words ------------------------------------------------------------------------

# Short words a buyer understands, per neutral status code (integrations.types.OrderStatus).
_S = OrderStatus
STATUS_WORDS: dict[str, dict[str, str]] = {
    "en": {
        _S.UNPAID: "awaiting payment", _S.PENDING: "payment being confirmed",
        _S.TO_SHIP: "being prepared", _S.PROCESSED: "ready for pickup", _S.SHIPPED: "shipped",
        _S.DELIVERED: "delivered", _S.COMPLETED: "completed", _S.CANCELLING: "being cancelled",
        _S.CANCELLED: "cancelled", _S.RETURNING: "being returned", _S.UNKNOWN: "in progress",
    },
    "zh-Hans": {
        _S.UNPAID: "待付款", _S.PENDING: "付款确认中", _S.TO_SHIP: "待发货", _S.PROCESSED: "待揽收",
        _S.SHIPPED: "已发货", _S.DELIVERED: "已送达", _S.COMPLETED: "已完成",
        _S.CANCELLING: "取消中", _S.CANCELLED: "已取消", _S.RETURNING: "退货中",
        _S.UNKNOWN: "处理中",
    },
    "zh-Hant": {
        _S.UNPAID: "待付款", _S.PENDING: "付款確認中", _S.TO_SHIP: "待出貨", _S.PROCESSED: "待取件",
        _S.SHIPPED: "已出貨", _S.DELIVERED: "已送達", _S.COMPLETED: "已完成",
        _S.CANCELLING: "取消中", _S.CANCELLED: "已取消", _S.RETURNING: "退貨中",
        _S.UNKNOWN: "處理中",
    },
    "th": {
        _S.UNPAID: "รอชำระเงิน", _S.PENDING: "กำลังยืนยันการชำระเงิน", _S.TO_SHIP: "กำลังเตรียมจัดส่ง",
        _S.PROCESSED: "รอขนส่งเข้ารับ", _S.SHIPPED: "จัดส่งแล้ว", _S.DELIVERED: "ส่งถึงแล้ว",
        _S.COMPLETED: "สำเร็จแล้ว", _S.CANCELLING: "กำลังยกเลิก", _S.CANCELLED: "ยกเลิกแล้ว",
        _S.RETURNING: "กำลังคืนสินค้า", _S.UNKNOWN: "กำลังดำเนินการ",
    },
    "vi": {
        _S.UNPAID: "chờ thanh toán", _S.PENDING: "đang xác nhận thanh toán",
        _S.TO_SHIP: "đang chuẩn bị hàng", _S.PROCESSED: "chờ lấy hàng", _S.SHIPPED: "đã gửi hàng",
        _S.DELIVERED: "đã giao", _S.COMPLETED: "đã hoàn thành", _S.CANCELLING: "đang hủy",
        _S.CANCELLED: "đã hủy", _S.RETURNING: "đang trả hàng", _S.UNKNOWN: "đang xử lý",
    },
    "ms": {
        _S.UNPAID: "menunggu pembayaran", _S.PENDING: "pembayaran sedang disahkan",
        _S.TO_SHIP: "sedang disediakan", _S.PROCESSED: "sedia untuk diambil",
        _S.SHIPPED: "telah dihantar", _S.DELIVERED: "telah diterima", _S.COMPLETED: "selesai",
        _S.CANCELLING: "sedang dibatalkan", _S.CANCELLED: "dibatalkan",
        _S.RETURNING: "sedang dipulangkan", _S.UNKNOWN: "sedang diproses",
    },
    "id": {
        _S.UNPAID: "menunggu pembayaran", _S.PENDING: "pembayaran sedang dikonfirmasi",
        _S.TO_SHIP: "sedang dikemas", _S.PROCESSED: "menunggu pickup", _S.SHIPPED: "dikirim",
        _S.DELIVERED: "sudah sampai", _S.COMPLETED: "selesai", _S.CANCELLING: "sedang dibatalkan",
        _S.CANCELLED: "dibatalkan", _S.RETURNING: "sedang dikembalikan", _S.UNKNOWN: "diproses",
    },
    "pt-BR": {
        _S.UNPAID: "aguardando pagamento", _S.PENDING: "pagamento em confirmação",
        _S.TO_SHIP: "em preparação", _S.PROCESSED: "aguardando coleta", _S.SHIPPED: "enviado",
        _S.DELIVERED: "entregue", _S.COMPLETED: "concluído", _S.CANCELLING: "em cancelamento",
        _S.CANCELLED: "cancelado", _S.RETURNING: "em devolução", _S.UNKNOWN: "em andamento",
    },
    "es": {
        _S.UNPAID: "pendiente de pago", _S.PENDING: "pago en confirmación",
        _S.TO_SHIP: "en preparación", _S.PROCESSED: "listo para recogida", _S.SHIPPED: "enviado",
        _S.DELIVERED: "entregado", _S.COMPLETED: "completado", _S.CANCELLING: "en cancelación",
        _S.CANCELLED: "cancelado", _S.RETURNING: "en devolución", _S.UNKNOWN: "en proceso",
    },
}  # fmt: skip


def status_words(code: str, language: str) -> str:
    words = STATUS_WORDS.get(language, STATUS_WORDS["en"])
    return words.get(code, words[OrderStatus.UNKNOWN])


# -- dates and money ------------------------------------------------------------------------------

_DATE_FORMATS = {"en": "%d %b %Y", "zh-Hans": "%Y年%-m月%-d日", "zh-Hant": "%Y年%-m月%-d日"}
_DEFAULT_DATE_FORMAT = "%d/%m/%Y"


def date_text(moment: datetime, *, zone: str, language: str) -> str:
    """A date as the buyer reads it: in the shop's time zone, in the language's usual order."""
    local = moment.astimezone(ZoneInfo(zone))
    return local.strftime(_DATE_FORMATS.get(language, _DEFAULT_DATE_FORMAT))


@dataclass(frozen=True)
class MoneyFormat:
    symbol: str
    decimals: int | None  # None: two decimals unless the amount is whole
    thousands: str = ","
    point: str = "."
    space: bool = False


MONEY_FORMATS = {
    "MYR": MoneyFormat("RM", 2, space=True),
    "THB": MoneyFormat("฿", None),
    "VND": MoneyFormat("₫", 0, thousands="."),
    "PHP": MoneyFormat("₱", 2),
    "SGD": MoneyFormat("S$", 2),
    "IDR": MoneyFormat("Rp", 0, thousands=".", space=True),
    "TWD": MoneyFormat("NT$", 0),
    "BRL": MoneyFormat("R$", 2, thousands=".", point=",", space=True),
}


def money_text(amount: str | Decimal, currency: str) -> str:
    """An amount in its currency's local format (RM 12.90, ฿1,290, ₫129.000, R$ 12,90...)."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return ""
    fmt = MONEY_FORMATS.get(currency, MoneyFormat(f"{currency} ", 2))
    decimals = fmt.decimals
    if decimals is None:
        decimals = 0 if value == value.to_integral_value() else 2
    digits = f"{value:,.{decimals}f}"  # 1,234.50
    digits = digits.replace(",", "\x00").replace(".", fmt.point).replace("\x00", fmt.thousands)
    return f"{fmt.symbol}{' ' if fmt.space else ''}{digits}"


# -- the variables --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variable:
    name: str
    longest: int  # characters: values are cut to it, and save-time checks render with it
    help: str


_STATUS_LONGEST = max(len(w) for words in STATUS_WORDS.values() for w in words.values())

VARIABLES = {
    v.name: v
    for v in (
        Variable("buyer_name", 30, "the buyer's marketplace name"),
        Variable("shop_name", 60, "the shop's name"),
        Variable("order_number", 24, "the buyer's latest order in this shop"),
        Variable("order_status", _STATUS_LONGEST, "that order's status, in the variant's language"),
        Variable("order_total", 20, "that order's total, in its currency's format"),
        Variable("tracking_number", 32, "the parcel's tracking number"),
        Variable("carrier", 40, "the logistics carrier"),
        Variable("latest_tracking_event", 120, "the newest tracking event's description"),
        Variable("ship_by_date", 16, "the date the seller must ship by, in the shop's zone"),
        Variable("eta", 16, "the delivery date once the parcel is delivered (see the docs)"),
    )
}
MISSING = "—"  # filled in for a value nobody knows; Rendered.missing names the variable

# {{ name }}: letters, digits and underscores; spaces inside the braces are allowed.
VARIABLE = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


def variables_in(text: str) -> list[str]:
    return VARIABLE.findall(text)


def text_errors(text: str, *, max_length: int | None) -> list[str]:
    """What is wrong with a variant's text (empty: nothing): malformed braces, unknown
    variables, and a text longer than `max_length` once filled with each variable's longest
    value."""
    errors = []
    rest = VARIABLE.sub("", text)
    if "{{" in rest or "}}" in rest:
        errors.append(
            _("Malformed braces: write a variable as {{name}} with letters, digits or _.")
        )
    unknown = sorted({name for name in variables_in(text) if name not in VARIABLES})
    if unknown:
        errors.append(
            _("Unknown variable %(names)s. Known: %(known)s.")
            % {
                "names": ", ".join(f"{{{{{n}}}}}" for n in unknown),
                "known": ", ".join(VARIABLES),
            }
        )
    if max_length is not None and not unknown:
        longest = VARIABLE.sub(lambda m: "x" * VARIABLES[m.group(1)].longest, text)
        if len(longest) > max_length:
            errors.append(
                _(
                    "Too long: %(length)d characters once each variable holds its longest "
                    "value; the marketplace accepts %(limit)d."
                )
                % {"length": len(longest), "limit": max_length}
            )
    return errors


def text_limit(platform: str | None) -> int | None:
    """The marketplace's text limit for a shop's platform; for a global template (None) the
    strictest of all registered platforms. None: no limit."""
    names = [platform] if platform else list(platforms())
    limits = [adapter_class(name).send_policy().max_text_length for name in names]
    limits = [limit for limit in limits if limit is not None]
    return min(limits) if limits else None


def cut(value: str, name: str) -> str:
    longest = VARIABLES[name].longest
    return value if len(value) <= longest else value[: longest - 1] + "…"
