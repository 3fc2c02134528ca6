from django.db import migrations

GENESIS = "0" * 64


def create_heads(apps, schema_editor):
    ChainHead = apps.get_model("core", "ChainHead")
    for name in ("objectchange", "auditevent"):
        ChainHead.objects.get_or_create(name=name, defaults={"seq": 0, "last_hash": GENESIS})


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(create_heads, migrations.RunPython.noop)]
