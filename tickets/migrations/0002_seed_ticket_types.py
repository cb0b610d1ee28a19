from django.db import migrations

# Stable codes: rules and the return sync refer to these; the names may be edited in the admin.
TYPES = [
    ("return_refund", "Return or refund", 10),
    ("lost_late_parcel", "Lost or late parcel", 20),
    ("wrong_damaged_item", "Wrong or damaged item", 30),
    ("complaint", "Complaint", 40),
    ("invoice", "Invoice", 50),
    ("other", "Other", 90),
]


def seed(apps, schema_editor):
    TicketType = apps.get_model("tickets", "TicketType")
    for code, name, position in TYPES:
        TicketType.objects.get_or_create(code=code, defaults={"name": name, "position": position})


def unseed(apps, schema_editor):
    TicketType = apps.get_model("tickets", "TicketType")
    TicketType.objects.filter(code__in=[code for code, _, _ in TYPES], tickets=None).delete()


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_tickets")]

    operations = [migrations.RunPython(seed, unseed)]
