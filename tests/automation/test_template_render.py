"""Reply templates: the language fallback chain, variables written per site and language,
and the checks at save time (unknown variable, malformed braces, too long once filled)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from automation.models import ReplyTemplate, TemplateVariant
from automation.services.template_store import template_save
from automation.services.template_variables import (
    VARIABLES,
    date_text,
    money_text,
    template_language,
    text_errors,
)
from automation.services.templates import Rendered, template_render
from chat.models import BuyerOrder
from integrations.models import BusinessCalendar
from tests.factories import ConversationFactory, ShopFactory

pytestmark = pytest.mark.django_db

GREETINGS = {
    "en": "Hi {{buyer_name}}",
    "zh-Hans": "你好 {{buyer_name}}",
    "zh-Hant": "您好 {{buyer_name}}",
    "ms": "Hai {{buyer_name}}",
    "pt-BR": "Olá {{buyer_name}}",
}


def conversation_on(site: str, **kwargs):
    return ConversationFactory(shop=ShopFactory(site=site, name=f"Shop {site}"), **kwargs)


def greeting(default_language="en", variants=None):
    return template_save(
        title="Greeting", variants=variants or GREETINGS, default_language=default_language
    )


@pytest.mark.parametrize(
    ("site", "buyer_language", "expected"),
    [
        ("MY", "en", "en"),  # the buyer's own language first
        ("MY", "", "ms"),  # not detected: the site's language
        ("MY", "th", "ms"),  # no Thai variant: the site's language
        ("TW", "zh", "zh-Hant"),  # Chinese on TW is Traditional
        ("SG", "zh", "zh-Hans"),  # elsewhere Simplified
        ("BR", "pt", "pt-BR"),
        ("TH", "vi", "en"),  # neither the buyer's nor the site's: the template's default
        ("MY", "zh-Hant", "zh-Hant"),  # an agent's pick, already a template language
    ],
)
def test_the_variant_follows_the_fallback_chain(site, buyer_language, expected):
    conversation = conversation_on(site, buyer_name="Ana")
    rendered = template_render(
        template=greeting(), conversation=conversation, buyer_language=buyer_language
    )
    assert rendered.language == expected
    assert rendered.text == GREETINGS[expected].replace("{{buyer_name}}", "Ana")


def test_the_default_language_is_the_last_step_before_any_variant():
    conversation = conversation_on("TH")
    template = greeting(default_language="pt-BR")
    assert template_render(template=template, conversation=conversation).language == "pt-BR"
    only_spanish = template_save(title="Solo", variants={"es": "Hola"})  # default en is missing
    text, language = template_render(template=only_spanish, conversation=conversation)
    assert (text, language) == ("Hola", "es")


def test_rendered_unpacks_into_two_fields_and_names_the_missing_values():
    conversation = conversation_on("MY", buyer_name="Siti")
    template = template_save(
        title="Tracking", variants={"en": "{{buyer_name}}: {{tracking_number}} ({{carrier}})"}
    )
    text, language = template_render(template=template, conversation=conversation, context={})
    rendered = template_render(template=template, conversation=conversation, context={})
    assert isinstance(rendered, Rendered) and (text, language) == (rendered.text, "en")
    assert rendered.text == "—: — (—)"  # an empty context: nothing known
    assert rendered.missing == ("buyer_name", "tracking_number", "carrier")


@pytest.mark.parametrize(
    ("site", "language", "status", "ship_by", "total", "currency"),
    [
        ("MY", "ms", "telah dihantar", "03/12/2026", "RM 1,290.50", "MYR"),
        ("TH", "th", "จัดส่งแล้ว", "03/12/2026", "฿1,290", "THB"),
        ("VN", "vi", "đã gửi hàng", "03/12/2026", "₫129.000", "VND"),
        ("BR", "pt-BR", "enviado", "02/12/2026", "R$ 12,90", "BRL"),  # São Paulo: still the 2nd
        ("ID", "id", "dikirim", "03/12/2026", "Rp 12.900", "IDR"),
        ("TW", "zh-Hant", "已出貨", "2026年12月3日", "NT$129", "TWD"),
        ("PH", "en", "shipped", "03 Dec 2026", "₱1,290.00", "PHP"),
        ("SG", "en", "shipped", "03 Dec 2026", "S$12.90", "SGD"),
    ],
)
def test_variables_are_written_in_the_site_zone_currency_and_language(
    site, language, status, ship_by, total, currency
):
    amounts = {"MYR": "1290.5", "THB": "1290", "VND": "129000", "BRL": "12.9", "IDR": "12900",
               "TWD": "129", "PHP": "1290", "SGD": "12.9"}  # fmt: skip
    conversation = conversation_on(site)
    BuyerOrder.objects.create(
        shop=conversation.shop,
        order_ref="2612ABC",
        buyer_platform_id=conversation.buyer_platform_id,
        status_code="shipped",
        total=amounts[currency],
        currency=currency,
        ship_by_at=datetime(2026, 12, 3, 1, 30, tzinfo=UTC),  # 22:30 on the 2nd in São Paulo
    )
    template = template_save(
        title="Status",
        variants={language: "{{order_number}} {{order_status}} {{ship_by_date}} {{order_total}}"},
    )
    rendered = template_render(template=template, conversation=conversation)
    assert rendered.text == f"2612ABC {status} {ship_by} {total}"
    assert rendered.missing == ()


def test_dates_follow_the_business_calendars_own_zone():
    conversation = conversation_on("MY")
    BusinessCalendar.objects.create(shop=conversation.shop, time_zone="America/Sao_Paulo")
    template = template_save(title="Ship", variants={"en": "by {{ship_by_date}}"})
    context = {"ship_by_date": "2026-12-03T01:30:00+00:00"}
    rendered = template_render(template=template, conversation=conversation, context=context)
    assert rendered.text == "by 02 Dec 2026"


def test_long_values_are_cut_to_their_declared_longest():
    conversation = conversation_on("MY", buyer_name="x" * 200)
    template = template_save(title="Hi", variants={"en": "{{buyer_name}}"})
    text = template_render(template=template, conversation=conversation).text
    assert len(text) == VARIABLES["buyer_name"].longest and text.endswith("…")


def test_money_and_dates_as_pure_functions():
    assert money_text(Decimal("12.9"), "MYR") == "RM 12.90"
    assert money_text("1290.5", "THB") == "฿1,290.50"
    assert money_text("not a number", "MYR") == ""
    assert money_text("5", "EUR") == "EUR 5.00"  # no local format: the code
    moment = datetime(2026, 12, 31, 20, 0, tzinfo=UTC)
    assert date_text(moment, zone="Asia/Bangkok", language="th") == "01/01/2027"
    assert template_language("pt-PT") == "pt-BR" and template_language("fr") == ""


def test_an_unknown_variable_is_refused_naming_it_and_nothing_is_written():
    with pytest.raises(ValidationError) as refused:
        template_save(title="Bad", variants={"en": "Hi {{buyer_name}}", "th": "{{ordr_number}}"})
    assert "{{ordr_number}}" in str(refused.value) and "Thai" in str(refused.value)
    assert not ReplyTemplate.objects.exists() and not TemplateVariant.objects.exists()


@pytest.mark.parametrize(
    "text", ["Hi {{buyer_name}", "Hi {buyer_name}} x", "{{buyer name}}", "{{}}"]
)
def test_malformed_braces_are_refused(text):
    assert any("Malformed braces" in e for e in text_errors(text, max_length=None))


def test_too_long_counts_each_variable_at_its_longest_value():
    longest = VARIABLES["latest_tracking_event"].longest
    fits = "x" * (600 - longest) + "{{latest_tracking_event}}"
    assert len(fits) < 600 and text_errors(fits, max_length=600) == []
    over = "x" + fits
    assert len(over) < 600  # short as typed, too long once filled
    [error] = text_errors(over, max_length=600)
    assert "601 characters" in error and "600" in error
    with pytest.raises(ValidationError, match="Too long"):
        template_save(title="Long", variants={"en": over})


def test_a_global_template_takes_the_strictest_platform_limit_and_a_shops_its_own():
    shop = ShopFactory()
    template = template_save(title="Ok", variants={"en": "ok"}, shop=shop)
    assert template.text_limit == 600  # the registered adapter's SendPolicy
    assert template_save(title="Global", variants={"en": "ok"}).text_limit == 600


def test_a_shop_template_pinned_to_another_site_is_refused():
    with pytest.raises(ValidationError, match="another site"):
        template_save(title="x", variants={"en": "x"}, shop=ShopFactory(site="MY"), site="TH")
