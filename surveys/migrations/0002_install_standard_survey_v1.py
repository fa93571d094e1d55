import datetime

from django.db import migrations

# Version 1 of the standard instrument, frozen here: a new version is a new migration, never an
# edit of this one. Wording draws on public post-contact instruments (NPF / Madison PD, Tyler-tradition
# procedural-justice items), rewritten in plain language; see docs/methodology.md.
STANDARD_V1 = [
    {"code": "voice_listened", "pillar": "voice",
     "text_en": "The officer listened to what I had to say.",
     "text_es": "El agente escuchó lo que yo tenía que decir."},
    {"code": "voice_explain", "pillar": "voice",
     "text_en": "I had a chance to explain my side of things.",
     "text_es": "Tuve la oportunidad de explicar mi versión de los hechos."},
    {"code": "respect_dignity", "pillar": "respect",
     "text_en": "The officer treated me with dignity and respect.",
     "text_es": "El agente me trató con dignidad y respeto."},
    {"code": "respect_professional", "pillar": "respect",
     "text_en": "The officer was polite and professional.",
     "text_es": "El agente fue cortés y profesional."},
    {"code": "neutrality_facts", "pillar": "neutrality",
     "text_en": "The officer made decisions based on facts, not personal bias.",
     "text_es": "El agente tomó decisiones basadas en los hechos, no en prejuicios personales."},
    {"code": "neutrality_fair", "pillar": "neutrality",
     "text_en": "The officer treated me fairly, regardless of who I am.",
     "text_es": "El agente me trató con justicia, sin importar quién soy."},
    {"code": "motives_explained", "pillar": "motives",
     "text_en": "The officer clearly explained the reasons for their actions.",
     "text_es": "El agente explicó con claridad las razones de sus acciones."},
    {"code": "motives_cared", "pillar": "motives",
     "text_en": "The officer cared about my safety and well-being.",
     "text_es": "Al agente le importaron mi seguridad y mi bienestar."},
    {"code": "outcome_satisfied", "pillar": "outcome", "scale": "satisfied", "is_satisfaction": True,
     "text_en": "Overall, how satisfied are you with the way you were treated?",
     "text_es": "En general, ¿qué tan satisfecho o satisfecha está con el trato que recibió?"},
    {"code": "outcome_confidence", "pillar": "outcome",
     "text_en": "I am confident this police agency can do its job well.",
     "text_es": "Confío en que esta agencia de policía puede hacer bien su trabajo."},
]


def install(apps, schema_editor):
    Survey = apps.get_model("surveys", "Survey")
    Question = apps.get_model("surveys", "Question")
    survey, _ = Survey.objects.get_or_create(
        version=1,
        defaults={
            "title": "Post-contact procedural justice survey",
            "introduced_on": datetime.date(2026, 1, 1),
            "is_current": True,
        },
    )
    for order, item in enumerate(STANDARD_V1, start=1):
        Question.objects.update_or_create(
            survey=survey,
            code=item["code"],
            defaults={
                "pillar": item["pillar"],
                "order": order,
                "text_en": item["text_en"],
                "text_es": item["text_es"],
                "scale": item.get("scale", "agree"),
                "is_satisfaction": item.get("is_satisfaction", False),
            },
        )


def uninstall(apps, schema_editor):
    apps.get_model("surveys", "Survey").objects.filter(version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_standard_instrument_models")]
    operations = [migrations.RunPython(install, uninstall)]
