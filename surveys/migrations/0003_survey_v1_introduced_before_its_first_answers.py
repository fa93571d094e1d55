"""Survey v1 was dated 1 January 2026, after the first answers given under it (the demo year
starts in November 2025). Date it to when the standard instrument was adopted, 1 June 2025."""

import datetime

from django.db import migrations

WAS = datetime.date(2026, 1, 1)
IS = datetime.date(2025, 6, 1)


def forwards(apps, schema_editor):
    Survey = apps.get_model("surveys", "Survey")
    Survey.objects.filter(version=1, introduced_on=WAS).update(introduced_on=IS)


def backwards(apps, schema_editor):
    Survey = apps.get_model("surveys", "Survey")
    Survey.objects.filter(version=1, introduced_on=IS).update(introduced_on=WAS)


class Migration(migrations.Migration):
    dependencies = [("surveys", "0002_install_standard_survey_v1")]
    operations = [migrations.RunPython(forwards, backwards)]
