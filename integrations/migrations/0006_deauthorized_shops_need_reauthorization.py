"""Shops disabled by a seller's deauthorization (push code 2) before it meant "needs
re-authorization": they get that status, with their stale authorization expiry cleared. A shop
an admin disabled has no open deauthorization alert and is left alone."""

from django.db import migrations


def forwards(apps, schema_editor):
    Shop = apps.get_model("integrations", "Shop")
    Shop.objects.filter(
        status="disabled", alerts__kind="deauthorized", alerts__resolved_at__isnull=True
    ).update(status="needs_reauth", authorization_expires_at=None)


class Migration(migrations.Migration):
    dependencies = [("integrations", "0005_shop_token_names")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
