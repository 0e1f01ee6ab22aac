"""Labs uploaded on the web before labs had owners become their uploaders' own.

Until now every lab was everyone's. Those loaded from the web (``loaded_by`` set) under a name
the fixtures do not ship are given to whoever loaded them, so only they, their classes and
staff see them. Shipped names stay shipped: ``manage.py load_scenarios`` (or ``load_demo``)
restores their files from ``fixtures/scenarios``.
"""

from django.conf import settings
from django.db import migrations
from django.db.models import F


def shipped_slugs():
    folder = settings.BASE_DIR / "fixtures" / "scenarios"
    return {p.name for p in folder.iterdir() if p.is_dir()} if folder.is_dir() else set()


def give_uploads_to_their_uploaders(apps, schema_editor):
    Scenario = apps.get_model("labs", "Scenario")
    Scenario.objects.filter(owner__isnull=True, loaded_by__isnull=False).exclude(
        slug__in=shipped_slugs()
    ).update(owner=F("loaded_by"))


class Migration(migrations.Migration):
    dependencies = [("labs", "0003_content_owner")]

    operations = [
        migrations.RunPython(give_uploads_to_their_uploaders, migrations.RunPython.noop),
    ]
