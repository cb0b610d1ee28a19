"""Conversations and their transcripts in the admin, read-only, scoped to the supervisor's
groups with the API's selector: the list, the filters' choices and the detail pages."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import (
    AgentGroupFactory,
    ConversationFactory,
    MessageFactory,
    ShopFactory,
    UserFactory,
    login_verified,
)

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    browser = Client()
    login_verified(browser, user)
    return browser


@pytest.fixture
def two_teams():
    mine = ShopFactory(name="Mine MY", site="MY")
    theirs = ShopFactory(name="Theirs TH", site="TH")
    supervisor = UserFactory(roles=["Supervisor"])
    AgentGroupFactory(name="Team mine", shops=[mine], members=[supervisor])
    AgentGroupFactory(name="Team theirs", shops=[theirs])
    own = ConversationFactory(shop=mine, buyer_name="buyer-of-mine")
    other = ConversationFactory(shop=theirs, buyer_name="buyer-of-theirs")
    return supervisor, own, other


def test_a_supervisor_lists_only_their_groups_conversations(two_teams):
    supervisor, _own, _other = two_teams
    page = _signed_in(supervisor).get("/admin/chat/conversation/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "buyer-of-mine" in html
    assert "buyer-of-theirs" not in html
    # The shop filter offers the shops of the scoped rows only: no other team's shop name.
    assert "Theirs TH" not in html
    assert "Team theirs" not in html


def test_another_groups_conversation_cannot_be_opened(two_teams):
    supervisor, own, other = two_teams
    browser = _signed_in(supervisor)
    assert browser.get(f"/admin/chat/conversation/{own.pk}/change/").status_code == 200
    refused = browser.get(f"/admin/chat/conversation/{other.pk}/change/", follow=True)
    assert "buyer-of-theirs" not in refused.content.decode()
    listing = browser.get("/admin/chat/message/").content.decode()
    MessageFactory(conversation=other, text="secret of theirs")
    assert "secret of theirs" not in browser.get("/admin/chat/message/").content.decode()
    assert "secret of theirs" not in listing


def test_the_transcript_is_read_only_and_in_marketplace_order(two_teams):
    supervisor, own, _ = two_teams
    now = timezone.now()
    # Stored in reverse: the later message first.
    MessageFactory(conversation=own, text="second words", platform_created_at=now)
    MessageFactory(
        conversation=own, text="first words", platform_created_at=now - timedelta(minutes=1)
    )
    html = _signed_in(supervisor).get(f"/admin/chat/conversation/{own.pk}/change/")
    html = html.content.decode()
    assert html.index("first words") < html.index("second words")
    assert 'name="_save"' not in html


def test_filters_by_site_status_and_date(two_teams):
    supervisor, own, _ = two_teams
    other_site = ConversationFactory(shop=own.shop, buyer_name="resolved-one", status="resolved")
    browser = _signed_in(supervisor)
    resolved = browser.get("/admin/chat/conversation/?status__exact=resolved").content.decode()
    assert "resolved-one" in resolved and "buyer-of-mine" not in resolved
    by_site = browser.get("/admin/chat/conversation/?shop__site__exact=TH").content.decode()
    assert "buyer-of-mine" not in by_site and other_site.buyer_name not in by_site
    # The filter's own "Today" link: an aware midnight.
    midnight = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    today = browser.get("/admin/chat/conversation/", {"last_message_at__gte": str(midnight)})
    assert "buyer-of-mine" in today.content.decode()
    tomorrow = str(midnight + timedelta(days=1))
    later = browser.get("/admin/chat/conversation/", {"last_message_at__gte": tomorrow})
    assert "buyer-of-mine" not in later.content.decode()


def test_agents_have_no_conversation_admin(two_teams):
    _, own, _ = two_teams
    agent = UserFactory(roles=["Agent"])
    AgentGroupFactory(shops=[own.shop], members=[agent])
    refused = _signed_in(agent).get("/admin/chat/conversation/", follow=True)
    assert refused.redirect_chain  # to the admin's sign-in page: agents work in the console
    assert "buyer-of-mine" not in refused.content.decode()
