"""The console page: where agents land, what it ships to the browser, and what it must not."""

import json

import pytest

from tests.factories import AgentGroupFactory, ShopFactory, UserFactory, login_verified

pytestmark = pytest.mark.django_db


def test_root_and_login_redirect_lead_to_the_console(client, settings):
    assert client.get("/")["Location"] == "/console/"
    assert settings.LOGIN_REDIRECT_URL == "/console/"


def test_unverified_session_is_sent_to_2fa_not_the_console(client):
    client.force_login(UserFactory())
    response = client.get("/console/")
    assert response.status_code == 302 and "/accounts/2fa/" in response["Location"]


def test_console_lists_only_the_agents_shops_and_local_assets(client):
    agent = UserFactory()
    own, foreign = ShopFactory(name="Own Shop"), ShopFactory(name="Foreign Shop")
    AgentGroupFactory(shops=[own], members=[agent])
    AgentGroupFactory(shops=[foreign])
    login_verified(client, agent)
    response = client.get("/console/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Own Shop" in html and "Foreign Shop" not in html
    config = json.loads(html.split('id="console-config" type="application/json">')[1].split("<")[0])
    assert set(config["shops"]) == {str(own.pk)}
    assert config["shops"][str(own.pk)]["maxLength"] == 600  # its marketplace's limit
    assert "/static/js/console.js" in html and "http" not in html.split("<script")[1].split(">")[0]
    assert "img-src 'self' data: https:" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("roles", "superuser", "expected"),
    [([], False, []), (["Supervisor"], False, ["Supervisor"]), ([], True, ["Admin"])],
)
def test_the_page_tells_the_console_the_users_roles(client, roles, superuser, expected):
    # Supervisors and admins get a banner for every warning of their shops, agents for theirs.
    user = UserFactory(roles=roles, is_superuser=superuser)
    login_verified(client, user)
    html = client.get("/console/").content.decode()
    config = json.loads(html.split('id="console-config" type="application/json">')[1].split("<")[0])
    assert config["userId"] == user.pk and config["roles"] == expected
    assert "/static/js/console_alerts.js" in html and 'id="alert-bell"' in html


def test_console_is_translated_into_chinese(client):
    login_verified(client, UserFactory())
    html = client.get("/zh-hans/console/").content.decode()
    assert "收件箱" in html and "已解决" in html


def test_swagger_ui_is_served_without_a_cdn_to_signed_in_staff(client):
    login_verified(client, UserFactory())
    response = client.get("/api/docs/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "cdn" not in html.lower() and "drf_spectacular_sidecar" in html
    assert "cdn" not in response["Content-Security-Policy"].lower()
    assert client.get("/api/schema/").status_code == 200


def test_the_api_docs_and_schema_are_not_public(client):
    from shopee_cs.security.services import api_key_create

    docs = client.get("/api/docs/")
    assert docs.status_code == 302 and docs["Location"].startswith("/accounts/login/")
    assert client.get("/api/schema/").status_code == 401
    client.force_login(UserFactory())  # a password alone is not enough
    assert client.get("/api/schema/").status_code == 403
    client.logout()
    _key, raw = api_key_create(user=UserFactory(), name="bi", scopes=["shops:read"])
    keyed = client.get("/api/schema/", HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert keyed.status_code == 200 and b"/api/v1/conversations/" in keyed.content


def _refusals_of_every_rule():
    """One real refusal from each send rule (the reasons the server stores, in English)."""
    from datetime import timedelta

    from django.utils import timezone

    from chat.models import Message
    from chat.services.pipeline.send_rules import send_rules_check
    from tests.factories import ConversationFactory, MessageFactory

    now = timezone.now()
    found = {}
    tw = ConversationFactory(shop=ShopFactory(site="TW"))
    found["region"] = (send_rules_check(conversation=tw, kind="text", text="hi", now=now), tw)
    conversation = ConversationFactory(last_buyer_message_at=now - timedelta(days=10))
    for text in ("   ", "x" * 612, "hello"):
        refusal = send_rules_check(conversation=conversation, kind="text", text=text, now=now)
        found[refusal.code] = (refusal, conversation)
    busy = ConversationFactory(last_buyer_message_at=now - timedelta(hours=1))
    for n in range(5):
        MessageFactory(conversation=busy, direction="out", status=Message.Status.SENT, text=f"{n}")
    refusal = send_rules_check(conversation=busy, kind="text", text="0", now=now)
    found[refusal.code] = (refusal, busy)
    quiet = ConversationFactory(last_buyer_message_at=now - timedelta(hours=1))
    MessageFactory(conversation=quiet, direction="out", status=Message.Status.SENT, text="same")
    refusal = send_rules_check(conversation=quiet, kind="text", text="same", now=now)
    found[refusal.code] = (refusal, quiet)
    return found


def test_the_console_words_every_send_rule_refusal_as_the_server_does():
    from django.utils import translation

    from chat.console_i18n import refusal_strings
    from chat.marketplace_texts import UNVERIFIED
    from chat.services.pipeline.outbox import unverified_reason

    refusals = _refusals_of_every_rule()
    platform = ShopFactory().platform
    # All six rules, a kind the marketplace does not take, and an unverified delivery.
    assert {r.code for r, _ in refusals.values()} | {UNVERIFIED, "kind_not_supported"} == set(
        refusal_strings(platform)
    )
    with translation.override("en"):
        templates = refusal_strings(platform)
    assert templates[UNVERIFIED] == unverified_reason(platform)
    for refusal, conversation in refusals.values():
        text_length = {"too_long": 612}.get(refusal.code, 0)
        filled = templates[refusal.code] % {"count": text_length, "site": conversation.shop.site}
        assert filled == refusal.reason, refusal.code
    with translation.override("zh-hans"):
        chinese = refusal_strings(platform)
    assert "600" in chinese["too_long"] and "%(count)s" in chinese["too_long"]
    assert all(chinese[code] != templates[code] for code in templates)


def test_every_strings_key_the_console_scripts_use_is_handed_to_the_page():
    import re
    from pathlib import Path

    from django.utils import translation

    from chat.console_i18n import console_strings

    scripts = Path(__file__).resolve().parents[2] / "static" / "js"
    used, used_by_tickets, used_by_alerts, used_by_team = set(), set(), set(), set()
    for path in scripts.glob("console*.js"):
        # The ticket script's T is the strings' "tickets" part, the alerts script's "alerts",
        # the team script's "team".
        keys = set(re.findall(r"\bT\.(\w+)", path.read_text()))
        by_name = {
            "console_tickets.js": used_by_tickets,
            "console_alerts.js": used_by_alerts,
            "console_team.js": used_by_team,
        }
        by_name.get(path.name, used).update(keys)
    with translation.override("en"):
        strings = console_strings()
    assert used and used <= set(strings), used - set(strings)
    tickets = set(strings["tickets"])
    assert used_by_tickets and used_by_tickets <= tickets, used_by_tickets - tickets
    alerts = set(strings["alerts"])
    assert used_by_alerts and used_by_alerts <= alerts, used_by_alerts - alerts
    team = set(strings["team"])
    assert used_by_team and used_by_team <= team, used_by_team - team


def test_shopee_return_reasons_have_words_in_both_languages():
    import inspect

    from django.utils import translation

    from chat.console_i18n import return_reason_strings
    from integrations.shopee import rules
    from integrations.shopee.simulator import request_return

    with translation.override("en"):
        english = return_reason_strings()
    with translation.override("zh-hans"):
        chinese = return_reason_strings()
    simulated = inspect.signature(request_return).parameters["reason"].default
    # Both spellings Shopee's guides use, and the simulator's own code, have words.
    codes = {"NONRECEIPT", "NOT_RECEIPT", "MUITAL_AGREE", "MUTUAL_AGREE", simulated}
    assert {rules.return_reason(code) for code in codes} <= set(english)
    assert rules.return_reason("NONRECEIPT") == rules.return_reason("NOT_RECEIPT")
    assert english[rules.return_reason(simulated)] == "Item damaged"
    assert chinese[rules.return_reason(simulated)] == "商品损坏"
    assert set(rules.RETURN_REASONS.values()) <= set(english)  # every code Shopee names
    assert all(chinese[code] != english[code] for code in english)


def test_the_language_switcher_works_without_javascript_and_is_scripted_on_every_page(client):
    html = client.get("/accounts/login/").content.decode()
    assert "/static/js/lang-switch.js" in html
    assert "data-lang-select" in html and "data-lang-submit" in html  # the button stays for no-JS
    login_verified(client, UserFactory())
    html = client.get("/console/").content.decode()
    assert html.count("/static/js/lang-switch.js") == 1
    assert "/static/js/console-util.js" in html and "/static/js/console-orders.js" in html


def _placeholder_previews():
    """Every preview the server stores for a message without text ("[image]", …): an inbound
    message of each kind the marketplace mapping knows, and a reply of each kind we can send."""
    import dataclasses

    from chat.services.pipeline import outbox
    from chat.services.state import message_preview
    from integrations.shopee.mapping import message_from_shopee
    from integrations.types import MessageKind
    from tests.factories import ConversationFactory, MessageFactory

    blank = message_from_shopee({"message_id": 1, "conversation_id": 2, "content": {}}, shop_id="3")
    previews = {message_preview(dataclasses.replace(blank, kind=kind)) for kind in MessageKind}
    conversation = ConversationFactory()
    for kind in outbox.KINDS:
        reply = MessageFactory(
            conversation=conversation, direction="out", sender_kind="agent", kind=kind, text=""
        )
        previews.add(message_preview(reply))
    return previews


def test_every_preview_of_a_message_without_text_has_words_in_the_console():
    from django.utils import translation

    from chat.console_i18n import console_strings

    previews = _placeholder_previews()
    assert {"[image]", "[sticker]", "[item]", "[order]", "[video]", "[other]"} <= previews
    with translation.override("en"):
        english = console_strings()["kinds"]
    with translation.override("zh-hans"):
        chinese = console_strings()["kinds"]
    labelled = {f"[{kind}]" for kind in english}
    assert previews <= labelled, previews - labelled
    assert all(english[kind] and not english[kind].startswith("[") for kind in english)
    assert [english[k] for k in ("image", "sticker", "item", "order")] == [
        "Image",
        "Sticker",
        "Product",
        "Order",
    ]
    assert [chinese[k] for k in ("image", "sticker", "item", "order")] == [
        "图片",
        "贴图",
        "商品",
        "订单",
    ]
    assert all(chinese[kind] != english[kind] for kind in english)  # every kind is translated


def test_the_top_bar_links_to_the_admin_for_those_who_can_use_it(client):
    from django.contrib.auth.models import Permission

    def console(user, path="/console/"):
        client.logout()
        login_verified(client, user)
        return client.get(path).content.decode()

    html = console(UserFactory(is_superuser=True))
    assert 'id="admin-link" href="/admin/"' in html and ">Admin</span>" in html
    assert client.get("/admin/").status_code == 200
    assert 'href="/zh-hans/admin/"' in console(UserFactory(is_superuser=True), "/zh-hans/console/")
    # Any model permission is enough: the admin shows that model.
    editor = UserFactory()
    editor.user_permissions.add(Permission.objects.get(codename="view_replytemplate"))
    assert 'id="admin-link"' in console(editor)
    assert client.get("/admin/").status_code == 200
    # An agent without permissions sees no link; nor does someone the admin would turn away.
    assert "admin-link" not in console(UserFactory())
    outsider = UserFactory(is_staff=False)
    outsider.user_permissions.add(Permission.objects.get(codename="view_replytemplate"))
    assert "admin-link" not in console(outsider)
