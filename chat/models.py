from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from integrations.models import Shop


class AgentGroup(models.Model):
    """A team of agents that owns a set of shops; agents see only their groups' shops."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    shops = models.ManyToManyField(Shop, related_name="agent_groups", blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="agent_groups", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
