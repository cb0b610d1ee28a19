"""The thread is read in the marketplace's order (its time, ours for a message it has not
acknowledged): the index that served the stored order gives way to one in that order."""

from django.db import migrations, models
from django.db.models.functions import Coalesce


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0011_pipeline_admin_and_sync_lease"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="message",
            name="msg_conv_recent",
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(
                models.F("conversation"),
                models.OrderBy(Coalesce("platform_created_at", "created_at"), descending=True),
                models.OrderBy(models.F("created_at"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                name="msg_conv_thread",
            ),
        ),
    ]
