"""Each app declares its roles' permissions on its AppConfig; setup gathers them."""

import pytest
from django.apps import apps

from shopee_cs.security.roles import ROLE_SUPERVISOR, role_permissions
from shopee_cs.security.services import roles_ensure

pytestmark = pytest.mark.django_db


def _codenames(group) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }


def test_each_apps_declared_permissions_reach_the_role():
    groups = roles_ensure()
    supervisor = _codenames(groups[ROLE_SUPERVISOR])
    assert {"chat.view_conversation", "integrations.view_shop", "shopee_cs.view_auditevent"} <= (
        supervisor
    )
    assert "chat.change_conversation" not in supervisor
    assert _codenames(groups["Agent"]) == set()


def test_a_permission_that_does_not_exist_is_refused(monkeypatch):
    chat = apps.get_app_config("chat")
    monkeypatch.setattr(chat, "role_permissions", {ROLE_SUPERVISOR: ("view_conversaton",)})
    with pytest.raises(ValueError, match=r"chat\.view_conversaton"):
        roles_ensure()


def test_an_unknown_role_is_refused(monkeypatch):
    monkeypatch.setattr(apps.get_app_config("chat"), "role_permissions", {"Boss": ()})
    with pytest.raises(ValueError, match="unknown role 'Boss'"):
        role_permissions()
