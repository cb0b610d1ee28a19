"""The console picker's API (rendered previews, scoped to the user's groups), the supervisors'
admin (errors on the form, scoped lists) and the data migration from saved replies."""

from importlib import import_module

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from automation.models import ReplyTemplate, TemplateVariant
from automation.services.template_store import template_save
from tests.factories import (
    AgentGroupFactory,
    ConversationFactory,
    MessageFactory,
    ShopFactory,
    UserFactory,
    login_verified,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    my, foreign = ShopFactory(site="MY", name="Mine"), ShopFactory(site="MY", name="Theirs")
    agent, supervisor = UserFactory(roles=["Agent"]), UserFactory(roles=["Supervisor"])
    AgentGroupFactory(shops=[my], members=[agent, supervisor])
    AgentGroupFactory(shops=[foreign], members=[UserFactory(roles=["Agent"])])
    conversation = ConversationFactory(shop=my, buyer_name="Aisyah")
    return {"my": my, "foreign": foreign, "agent": agent, "supervisor": supervisor,
            "conversation": conversation}  # fmt: skip


def url(conversation, query=""):
    return f"/api/v1/conversations/{conversation.pk}/templates/{query}"


def test_the_picker_lists_global_and_own_shop_templates_rendered_for_the_conversation(client, team):
    template_save(title="Hi", variants={"en": "Hi {{buyer_name}}", "ms": "Hai {{buyer_name}}"})
    template_save(title="Mine", variants={"en": "From {{shop_name}}"}, shop=team["my"])
    template_save(title="Theirs", variants={"en": "x"}, shop=team["foreign"])
    template_save(title="Thai site only", variants={"en": "x"}, site="TH")
    template_save(title="Off", variants={"en": "x"}, is_active=False)
    MessageFactory(conversation=team["conversation"], language="en")
    login_verified(client, team["agent"])
    body = client.get(url(team["conversation"])).json()
    assert body["buyer_language"] == "en" and body["errors"] == []
    assert [t["title"] for t in body["templates"]] == ["Hi", "Mine"]
    hi, mine = body["templates"]
    assert (hi["text"], hi["language"], hi["languages"]) == ("Hi Aisyah", "en", ["en", "ms"])
    assert mine["text"] == "From Mine" and mine["missing"] == []
    picked = client.get(url(team["conversation"], "?language=ms")).json()
    assert picked["templates"][0]["text"] == "Hai Aisyah"


def test_another_groups_conversation_is_not_found_and_bad_input_is_refused(client, team):
    login_verified(client, team["agent"])
    foreign = ConversationFactory(shop=team["foreign"])
    assert client.get(url(foreign)).status_code == 404
    assert client.get(url(team["conversation"], "?language=klingon")).status_code == 400


def _admin_form(**variants):
    data = {
        "title": "Where is it",
        "shop": "",
        "site": "",
        "default_language": "en",
        "is_active": "on",
        "variants-TOTAL_FORMS": str(len(variants)),
        "variants-INITIAL_FORMS": "0",
        "variants-MIN_NUM_FORMS": "0",
        "variants-MAX_NUM_FORMS": "1000",
    }
    for i, (language, text) in enumerate(variants.items()):
        data[f"variants-{i}-language"] = language.replace("_", "-")
        data[f"variants-{i}-text"] = text
    return data


def test_the_admin_shows_which_variable_and_language_are_wrong_and_saves_nothing(team):
    browser = Client()
    login_verified(browser, team["supervisor"])
    add = "/admin/automation/replytemplate/add/"
    response = browser.post(add, _admin_form(en="Hi {{buyer_name}}", th="{{trackng}} {{"))
    page = response.content.decode()
    assert response.status_code == 200 and "{{trackng}}" in page and "Thai" in page
    assert "Malformed braces" in page
    too_long = browser.post(add, _admin_form(en="x" * 590 + "{{carrier}}")).content.decode()
    assert "Too long" in too_long
    assert "at least one language variant" in browser.post(add, _admin_form()).content.decode()
    assert not ReplyTemplate.objects.exists()
    saved = browser.post(add, _admin_form(en="Your parcel: {{tracking_number}}"))
    assert saved.status_code == 302 and TemplateVariant.objects.count() == 1


def test_the_admin_lists_a_supervisors_shops_and_the_global_templates_only(team):
    template_save(title="Global one", variants={"en": "x"})
    template_save(title="Own one", variants={"en": "x"}, shop=team["my"])
    template_save(title="Foreign one", variants={"th": "x"}, shop=team["foreign"])
    browser = Client()
    login_verified(browser, team["supervisor"])
    page = browser.get("/admin/automation/replytemplate/").content.decode()
    assert "Global one" in page and "Own one" in page and "Foreign one" not in page
    thai = browser.get("/admin/automation/replytemplate/?language=th").content.decode()
    assert "Own one" not in thai
    agent = Client()
    login_verified(agent, team["agent"])
    assert agent.get("/admin/automation/replytemplate/", follow=True).status_code == 403


def test_the_data_migration_copies_each_saved_reply_into_a_template():
    """Run the migration's function on the historical models, with the saved-reply table
    recreated inside the test's transaction (it is gone at the latest migration)."""
    migration = "0003_saved_replies_to_templates"
    state = MigrationExecutor(connection).loader.project_state(("automation", migration))
    saved_reply = state.apps.get_model("chat", "SavedReply")
    with connection.schema_editor() as editor:
        editor.create_model(saved_reply)
    shop = ShopFactory()
    saved_reply.objects.create(title="Thanks", text="Thank you!", shop_id=shop.pk, language="")
    saved_reply.objects.create(title="Obrigado", text="Valeu!", language="pt", is_active=False)
    saved_reply.objects.create(title="Odd", text="?", language="klingon")
    copy = import_module(f"automation.migrations.{migration}").saved_replies_copy
    copy(state.apps, None)
    rows = {
        t.title: (
            t.shop_id,
            t.default_language,
            t.is_active,
            [(v.language, v.text) for v in t.variants.all()],
        )
        for t in ReplyTemplate.objects.prefetch_related("variants")
    }
    assert rows == {
        "Thanks": (shop.pk, "en", True, [("en", "Thank you!")]),
        "Obrigado": (None, "pt-BR", False, [("pt-BR", "Valeu!")]),
        "Odd": (None, "en", True, [("en", "?")]),
    }
