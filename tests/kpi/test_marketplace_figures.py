"""The marketplace's own chat figures: pulled once a day per connected shop from the Shopee
simulator on loopback, kept when a pull fails, and compared with ours (injected), listing the
conversations that explain a difference."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from chat.models import ConversationFact
from integrations.models import Shop
from integrations.shopee.simulator import buyer_message
from kpi.models import MarketplaceShopFigure
from kpi.services import marketplace
from kpi.services.marketplace import (
    Reason,
    chats_counted_differently,
    marketplace_figure_pull,
    response_rate_compare,
    shops_due_for_figures,
)
from kpi.tasks import marketplace_figures_pull_task
from tests.chat.conftest import (
    SHOP_ID,
    connect,
    simulator,  # noqa: F401
)
from tests.factories import ConversationFactory, ShopFactory, login_verified

H = timedelta(hours=1)


@pytest.fixture
def shop(db, simulator):  # noqa: F811
    sim = simulator.sim
    one, two = (sim.add_buyer(SHOP_ID)["user_id"] for _ in range(2))
    sim.advance_clock(-3 * 3600)
    first = buyer_message(sim, shop_id=SHOP_ID, buyer_id=one, text="in stock?")
    sim.add_message(
        sim.conv_by_id[first["conversation_id"]],
        from_seller=True,
        message_type="text",
        content={"text": "yes"},
    )
    sim.advance_clock(-9 * 3600)  # 12 h before now: answered by an auto-reply only
    second = buyer_message(sim, shop_id=SHOP_ID, buyer_id=two, text="hello?")
    sim.add_message(
        sim.conv_by_id[second["conversation_id"]],
        from_seller=True,
        message_type="text",
        content={"text": "away"},
        status="auto_reply",
    )
    sim.advance_clock(12 * 3600)
    return connect(sim)


def test_pull_stores_the_days_figure_once(shop, simulator):  # noqa: F811
    assert shops_due_for_figures() == [shop.pk]
    assert marketplace_figure_pull(shop=shop).stored
    figure = MarketplaceShopFigure.objects.get(shop=shop)
    # two chats: the latest (ceil(2/4) = 1) answered in time, the older only auto-replied:
    # 0.5 * 1/2 + 0.5 * 1/1 = 75 %
    assert figure.chat_response_rate == pytest.approx(0.75)
    assert figure.response_time_seconds == pytest.approx(0, abs=1)
    assert figure.non_responded_chats == 1
    assert figure.response_rate_target == pytest.approx(0.70)
    assert figure.raw_payload["metric_list"]
    assert figure.day == timezone.now().astimezone(UTC).date()
    # The day is done: the beat pulls nobody, and a second pull replaces, never adds.
    assert shops_due_for_figures() == []
    assert marketplace_figures_pull_task() == 0
    assert marketplace_figure_pull(shop=shop).stored
    assert MarketplaceShopFigure.objects.filter(shop=shop).count() == 1


def test_failed_pull_keeps_yesterdays_figure_and_says_why(shop, simulator):  # noqa: F811
    yesterday = timezone.now() - timedelta(days=1)
    MarketplaceShopFigure.objects.create(
        shop=shop,
        day=yesterday.date(),
        chat_response_rate=0.9,
        period_start=yesterday - timedelta(days=90),
        period_end=yesterday,
        fetched_at=yesterday,
    )
    simulator.sim.faults.script("account_health/get_shop_performance", ["drop"] * 8)
    outcome = marketplace_figure_pull(shop=shop)
    assert not outcome.stored
    assert "NetworkError" in outcome.reason
    assert list(MarketplaceShopFigure.objects.values_list("day", "chat_response_rate")) == [
        (yesterday.date(), 0.9)
    ]
    assert shops_due_for_figures() == [shop.pk]  # retried on the next beat


def test_shop_needing_reauth_is_skipped_with_its_reason(shop):
    Shop.objects.filter(pk=shop.pk).update(
        status=Shop.Status.NEEDS_REAUTH, status_reason="token revoked"
    )
    shop.refresh_from_db()
    outcome = marketplace_figure_pull(shop=shop)
    assert not outcome.stored and "token revoked" in outcome.reason
    assert not MarketplaceShopFigure.objects.exists()


# -- comparison ----------------------------------------------------------------------------------

END = datetime(2026, 6, 30, tzinfo=UTC)
START = END - timedelta(days=90)


def _fact(conv, kind, at):
    ConversationFact.objects.create(shop=conv.shop, conversation=conv, kind=kind, occurred_at=at)


@pytest.fixture
def history(db):
    """One shop's chats, hand-built facts (buyer message -> replies)."""
    shop = ShopFactory()
    K = ConversationFact.Kind
    convs = {
        name: ConversationFactory(shop=shop)
        for name in ["ok", "late", "auto", "none", "seller", "edge"]
    }
    t = END - timedelta(days=10)
    _fact(convs["ok"], K.BUYER_MESSAGE, t)
    _fact(convs["ok"], K.AGENT_REPLY, t + H)  # in time: explains nothing
    _fact(convs["late"], K.BUYER_MESSAGE, t)
    _fact(convs["late"], K.AGENT_REPLY, t + 13 * H)  # first human reply after 12 h
    _fact(convs["auto"], K.BUYER_MESSAGE, t)
    _fact(convs["auto"], K.AUTO_REPLY, t + timedelta(minutes=1))
    _fact(convs["auto"], K.AGENT_REPLY, t + 20 * H)  # the auto-reply was all within 12 h
    _fact(convs["none"], K.BUYER_MESSAGE, t)  # never answered
    _fact(convs["seller"], K.BUYER_MESSAGE, t)
    _fact(convs["seller"], K.OUTSIDE_REPLY, t + H)  # answered in the marketplace's seller tools
    _fact(convs["edge"], K.BUYER_MESSAGE, START + 2 * H)  # inside one side's window only, maybe
    _fact(convs["edge"], K.AGENT_REPLY, START + 3 * H)
    figure = MarketplaceShopFigure.objects.create(
        shop=shop,
        day=END.date(),
        chat_response_rate=0.80,
        period_start=START,
        period_end=END,
        fetched_at=END,
    )
    return figure, convs


def test_chats_counted_differently_are_listed_with_their_reason(history):
    figure, convs = history
    found = {
        x.conversation_id: x.reason
        for x in chats_counted_differently(shop_id=figure.shop_id, start=START, end=END)
    }
    assert found == {
        convs["late"].pk: Reason.LATE,
        convs["auto"].pk: Reason.AUTO_REPLY_ONLY,
        convs["none"].pk: Reason.UNANSWERED,
        convs["seller"].pk: Reason.OUTSIDE_REPLY,
        convs["edge"].pk: Reason.WINDOW_EDGE,
    }


def test_comparison_lists_explanations_only_beyond_the_threshold(history, settings):
    figure, convs = history
    settings.MARKETPLACE_RATE_DIFF_POINTS = 3.0
    close = response_rate_compare(figure=figure, ours={figure.shop_id: 0.82})
    assert close.difference_points == 2.0 and not close.differs and close.explanations == []
    far = response_rate_compare(figure=figure, ours={figure.shop_id: 0.70})
    assert far.difference_points == -10.0 and far.differs
    assert convs["late"].pk in {x.conversation_id for x in far.explanations}
    assert convs["ok"].pk not in {x.conversation_id for x in far.explanations}


def test_comparison_without_our_figure_says_nothing_differs(history):
    figure, _ = history
    result = response_rate_compare(figure=figure, ours={})
    assert result.our_rate is None and result.difference_points is None
    assert not result.differs and result.explanations == []


def test_admin_shows_ours_beside_theirs_once_wired(history, client, admin_user, monkeypatch):
    login_verified(client, admin_user)
    admin_client = client
    url = "/admin/kpi/marketplaceshopfigure/"
    assert "80.00 %" in admin_client.get(url).text
    monkeypatch.setattr(
        marketplace, "OUR_RATES_SOURCE", lambda *, shop_ids, start, end: {shop_ids[0]: 0.7712}
    )
    assert "77.12 %" in admin_client.get(url).text
