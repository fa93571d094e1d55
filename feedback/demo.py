"""Build the Trustville demo agency deterministically from a seed.

Trustville is data like every other agency (STYLE.md: no city hard-coded in code paths); this module
only *generates* that data, for `manage.py make_trustville`, which writes fixtures/trustville.json.
Scores differ by pillar, call category and month so that every chart on the Agency Page has a shape.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass

from django.core import serializers
from django.db import transaction

from agencies.models import Accreditation, Agency, District, Officer, Policy
from surveys.models import Survey

from .models import (
    Answer,
    AnswerRollup,
    Category,
    CodeBatch,
    Feedback,
    FeedbackCode,
    ModerationDecision,
    ModerationRollup,
    PublicResponse,
    ScoreRollup,
    ServiceCall,
)
from .rollups import rollups_rebuild

PILLAR_OFFSET = {"voice": -5.0, "respect": 8.0, "neutrality": 0.0, "motives": -8.0, "outcome": 2.0}
CATEGORY_EFFECT = {
    Category.TRAFFIC_STOP: -12.0,
    Category.CALL_FOR_HELP: 6.0,
    Category.WELFARE_CHECK: 10.0,
    Category.CRIME_REPORT: -3.0,
    Category.COMMUNITY_CONTACT: 12.0,
    Category.OTHER: 0.0,
}
CATEGORY_WEIGHT = {
    Category.TRAFFIC_STOP: 30,
    Category.CALL_FOR_HELP: 25,
    Category.WELFARE_CHECK: 10,
    Category.CRIME_REPORT: 20,
    Category.COMMUNITY_CONTACT: 10,
    Category.OTHER: 5,
}
OFFICERS = [
    ("T-1021", "Officer A. Alvarez"),
    ("T-1034", "Officer J. Brooks"),
    ("T-1047", "Officer M. Chen"),
    ("T-1052", "Officer R. Davis"),
    ("T-1066", "Sgt. L. Evans"),
    ("T-1073", "Officer K. Fischer"),
    ("T-1088", "Officer D. Garcia"),
    ("T-1091", "Officer S. Hughes"),
    ("T-1105", "Sgt. P. Ibrahim"),
    ("T-1112", "Officer N. Jones"),
    ("T-1127", "Officer C. Kim"),
    ("T-1139", "Officer E. Lopez"),
]
DISTRICTS = [("North", "N"), ("South", "S"), ("East", "E"), ("West", "W"), ("Downtown", "D")]

POSITIVE = {
    "en": [
        "The officer took the time to listen and explained what would happen next.",
        "I was nervous, but the officer was calm and respectful the whole time.",
        "Thank you for checking on my mother so quickly. The officer was very kind.",
        "Clear explanation of why I was stopped. Professional and polite.",
        "They followed up the next day to see if we were okay. That meant a lot.",
        "Officer was patient with my kids and answered all their questions.",
    ],
    "es": [
        "El agente me escuchó con paciencia y me explicó lo que iba a pasar.",
        "Me trataron con mucho respeto. Gracias por la ayuda tan rápida.",
        "El oficial habló conmigo en español y eso me dio mucha tranquilidad.",
    ],
}
NEGATIVE = {
    "en": [
        "Nobody explained why I was being stopped until the very end.",
        "It took a long time for anyone to arrive and no one told us why.",
        "The officer seemed rushed and did not really listen to my side.",
        "I felt I was treated as a suspect when I was the one who called for help.",
    ],
    "es": [
        "Nadie me explicó por qué me detuvieron.",
        "Sentí que no me escucharon cuando intenté explicar lo que pasó.",
    ],
}
RESPONSES = [  # (English, Spanish): the agency's public replies, written in both languages
    (
        "Thank you for telling us. We have shared your comment with the officer's supervisor, and "
        "listening before deciding is now part of our roll-call training.",
        "Gracias por contárnoslo. Hemos compartido su comentario con el supervisor del agente, y "
        "escuchar antes de decidir forma ahora parte de nuestra formación diaria.",
    ),
    (
        "We appreciate this feedback. Since March, officers on traffic duty give every driver a "
        "printed card explaining the reason for the stop and how to ask questions.",
        "Agradecemos esta opinión. Desde marzo, los agentes de tráfico entregan a cada conductor "
        "una tarjeta impresa que explica el motivo de la parada y cómo hacer preguntas.",
    ),
    (
        "Thank you. We passed your kind words on to the officers involved — it means a lot to "
        "them.",
        "Gracias. Hemos transmitido sus amables palabras a los agentes que le atendieron: "
        "significan mucho para ellos.",
    ),
    (
        "You told us response times were too long. We added a second patrol shift in the East "
        "district in June; average response times there fell by six minutes.",
        "Nos dijo que los tiempos de respuesta eran demasiado largos. En junio añadimos un "
        "segundo turno de patrulla en el distrito Este; allí el tiempo medio de respuesta bajó "
        "seis minutos.",
    ),
]
# Which reply (index in RESPONSES) answers which comment; comments not listed get no reply.
REPLY_TO = {
    "Nobody explained why I was being stopped until the very end.": 1,
    "Nadie me explicó por qué me detuvieron.": 1,
    "The officer seemed rushed and did not really listen to my side.": 0,
    "Sentí que no me escucharon cuando intenté explicar lo que pasó.": 0,
    "It took a long time for anyone to arrive and no one told us why.": 3,
    "Thank you for checking on my mother so quickly. The officer was very kind.": 2,
    "They followed up the next day to see if we were okay. That meant a lot.": 2,
    "Officer was patient with my kids and answered all their questions.": 2,
    "Me trataron con mucho respeto. Gracias por la ayuda tan rápida.": 2,
}
WITHHELD_EXAMPLES = [
    ("Officer Smith at 14 Elm Street was rude, call me at 555-201-7788.", "personal_data"),
    ("Buy cheap watches at this website!!!", "spam"),
    ("The potholes on Route 9 need fixing.", "off_topic"),
]


@dataclass(frozen=True)
class DemoSpec:
    seed: int = 2026
    end_month: dt.date = dt.date(2026, 10, 1)
    months: int = 12
    responses_per_month: tuple[int, int] = (28, 44)


def _months(spec: DemoSpec) -> list[dt.date]:
    out: list[dt.date] = []
    year, month = spec.end_month.year, spec.end_month.month
    for _ in range(spec.months):
        out.append(dt.date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return sorted(out)


def _answer(rng: random.Random, latent: float) -> int | None:
    if rng.random() < 0.04:
        return None  # "doesn't apply"
    value = round((latent + rng.gauss(0, 12)) / 25) + 1
    return min(5, max(1, value))


def _historic_digest(rng: random.Random) -> str:
    # Printed codes are never kept in plaintext, so the demo's historic codes are just digests of
    # nothing anyone holds; they exist for response rates. Fresh, usable demo codes come from
    # `manage.py issue_demo_codes` (or the "Try it" button).
    return f"{rng.getrandbits(256):064x}"


def build_trustville(spec: DemoSpec) -> list[object]:
    """Create Trustville in the (empty) database and return every object to serialise, in order."""
    rng = random.Random(spec.seed)
    survey = Survey.objects.get(version=1)
    questions = list(survey.questions.order_by("order"))

    agency = Agency.objects.create(
        pk=1,
        name="Trustville Police Department",
        slug="trustville",
        city="Trustville",
        state="KS",
        timezone="America/Chicago",
        website="https://trustville.example/police",
        welcome_message=(
            "Every day our officers answer calls from people on the worst day of their lives, and "
            "from people who simply need directions. We want to know how each of those contacts "
            "felt to you. Your answers are anonymous, and we publish what we learn — including "
            "what we changed because of it."
        ),
        welcome_message_es=(
            "Cada día nuestros agentes atienden llamadas de personas que viven el peor día de su "
            "vida, y de personas que solo necesitan indicaciones. Queremos saber cómo vivió usted "
            "cada uno de esos contactos. Sus respuestas son anónimas, y publicamos lo que "
            "aprendemos, incluido lo que cambiamos gracias a ello."
        ),
        welcome_by="Chief Dana Whitfield, Trustville Police Department",
        published=True,
        is_demo=True,
    )
    districts = [
        District.objects.create(pk=i, agency=agency, name=name, code=code)
        for i, (name, code) in enumerate(DISTRICTS, start=1)
    ]
    policies = [
        Policy.objects.create(
            pk=1,
            agency=agency,
            kind=Policy.Kind.USE_OF_FORCE,
            title="Use of Force Policy 300",
            title_es="Política 300 sobre el uso de la fuerza",
            url="https://trustville.example/police/policies/use-of-force",
            adopted_on=dt.date(2024, 6, 1),
            summary="De-escalation first; force only when necessary and proportional; every use "
            "of force is reported and reviewed by a supervisor.",
            summary_es="Primero, calmar la situación; la fuerza, solo cuando sea necesaria y "
            "proporcionada; cada uso de la fuerza se informa y lo revisa un supervisor.",
        ),
        Policy.objects.create(
            pk=2,
            agency=agency,
            kind=Policy.Kind.DUTY_TO_INTERVENE,
            title="Duty to Intervene 301",
            title_es="Política 301: deber de intervenir",
            url="https://trustville.example/police/policies/duty-to-intervene",
            adopted_on=dt.date(2021, 1, 15),
            summary="Any officer who sees excessive force must intervene and report it.",
            summary_es="Todo agente que vea un uso excesivo de la fuerza debe intervenir e "
            "informar de ello.",
        ),
        Policy.objects.create(
            pk=3,
            agency=agency,
            kind=Policy.Kind.COMPLAINTS,
            title="How to file a complaint",
            title_es="Cómo presentar una queja",
            url="https://trustville.example/police/complaints",
            adopted_on=dt.date(2023, 9, 1),
            summary="Complaints can be filed online, by phone or in person, anonymously if you "
            "wish, and are investigated by the Office of Professional Standards.",
            summary_es="Las quejas pueden presentarse en línea, por teléfono o en persona, de "
            "forma anónima si lo desea, y las investiga la Oficina de Normas Profesionales.",
        ),
        Policy.objects.create(
            pk=4,
            agency=agency,
            kind=Policy.Kind.OTHER,
            title="Body-worn cameras 450",
            title_es="Política 450: cámaras corporales",
            url="https://trustville.example/police/policies/body-worn-cameras",
            adopted_on=dt.date(2022, 4, 1),
            summary="Cameras are on for every enforcement contact.",
            summary_es="Las cámaras están encendidas en cada intervención policial.",
        ),
    ]
    accreditation = Accreditation.objects.create(
        pk=1,
        agency=agency,
        body="CALEA (demo)",
        status=Accreditation.Status.ACCREDITED,
        awarded_on=dt.date(2024, 3, 15),
    )
    officers = [
        Officer.objects.create(pk=i, agency=agency, badge_number=badge, display_name=name)
        for i, (badge, name) in enumerate(OFFICERS, start=1)
    ]
    batch_calls = CodeBatch.objects.create(pk=1, agency=agency, kind=CodeBatch.Kind.CALLS, size=0)
    batch_blank = CodeBatch.objects.create(
        pk=2, agency=agency, kind=CodeBatch.Kind.BLANK, size=120, district=districts[4]
    )

    months = _months(spec)
    categories = list(CATEGORY_WEIGHT)
    weights = [CATEGORY_WEIGHT[c] for c in categories]
    call_pk = code_pk = feedback_pk = answer_pk = 0
    feedback_rows: list[Feedback] = []
    expiry_days = 60

    for month_index, month in enumerate(months):
        trend = month_index * 0.9  # steady improvement over the year
        n_responses = rng.randint(*spec.responses_per_month)
        n_calls = int(n_responses * 2.6)
        for call_index in range(n_calls):
            call_pk += 1
            day = month + dt.timedelta(days=rng.randrange(28))
            category = rng.choices(categories, weights)[0]
            district = rng.choice(districts)
            call_officers = rng.sample(officers, rng.choice([1, 1, 1, 2]))
            call = ServiceCall.objects.create(
                pk=call_pk,
                agency=agency,
                reference=f"TPD-{month:%y%m}-{call_index + 1:04d}",
                category=category,
                district=district,
                occurred_on=day,
                call_type=category.label,
                sensitive=False,
            )
            call.officers.set(call_officers)
            code_pk += 1
            responded = call_index < n_responses
            FeedbackCode.objects.create(
                pk=code_pk,
                digest=_historic_digest(rng),
                agency=agency,
                service_call=call,
                batch=batch_calls,
                expires_on=day + dt.timedelta(days=expiry_days),
                redeemed=responded,
            )
            if not responded:
                continue
            feedback_pk += 1
            language = "es" if rng.random() < 0.22 else "en"
            latent = 58 + trend + CATEGORY_EFFECT[category] + rng.gauss(0, 18)
            submitted = min(
                day + dt.timedelta(days=rng.randrange(0, 9)), months[-1].replace(day=28)
            )
            fb = Feedback(
                pk=feedback_pk,
                agency=agency,
                survey=survey,
                category=category,
                district=district,
                interaction_month=month,
                submitted_on=submitted,
                language=language,
                verified=True,
                age_band=rng.choice(
                    ["", "under_25", "25_44", "25_44", "45_64", "65_plus", "prefer_not"]
                ),
                race_ethnicity=rng.choice(
                    [
                        "",
                        "white",
                        "black",
                        "hispanic",
                        "hispanic",
                        "asian",
                        "multiple",
                        "prefer_not",
                    ]
                ),
                gender=rng.choice(["", "woman", "man", "woman", "man", "nonbinary", "prefer_not"]),
            )
            _add_comment(rng, fb, latent, month_index)
            fb.save()
            fb.officers.set(call_officers)
            feedback_rows.append(fb)
            for question in questions:
                answer_pk += 1
                Answer.objects.create(
                    pk=answer_pk,
                    feedback=fb,
                    question=question,
                    value=_answer(rng, latent + PILLAR_OFFSET[question.pillar]),
                )
    batch_calls.size = code_pk
    batch_calls.save()
    # Blank cards handed out at the Downtown community office: about a quarter came back.
    for i in range(batch_blank.size):
        code_pk += 1
        FeedbackCode.objects.create(
            pk=code_pk,
            digest=_historic_digest(rng),
            agency=agency,
            batch=batch_blank,
            # Handed out in the last month; valid FEEDBACK_CODE_DAYS like every code.
            expires_on=months[-1] + dt.timedelta(days=expiry_days),
            redeemed=i < 30,
        )

    decisions, responses = _moderate(rng, feedback_rows)
    peers = _build_peers(rng, survey, questions, months, feedback_pk, answer_pk)
    demo_agencies = [agency, *peers]
    for each in demo_agencies:
        rollups_rebuild(agency=each)
    # auto_now stamps would make every regeneration differ; pin them to the end of the demo year.
    stamp = dt.datetime.combine(months[-1], dt.time(12), tzinfo=dt.UTC)
    Agency.objects.filter(pk__in=[a.pk for a in demo_agencies]).update(
        created_at=stamp, updated_at=stamp
    )
    for each in peers:
        each.refresh_from_db()
    ServiceCall.objects.filter(agency=agency).update(created_at=stamp)
    CodeBatch.objects.filter(agency=agency).update(created_at=stamp)
    ModerationDecision.objects.filter(feedback__agency=agency).update(decided_at=stamp)
    agency.refresh_from_db()
    batch_calls.refresh_from_db()
    batch_blank.refresh_from_db()
    decisions = list(ModerationDecision.objects.filter(feedback__agency=agency).order_by("pk"))

    objects: list[object] = [agency, *districts, *policies, accreditation, *officers]
    objects += list(ServiceCall.objects.filter(agency=agency).order_by("pk"))
    objects += [batch_calls, batch_blank]
    objects += list(FeedbackCode.objects.filter(agency=agency).order_by("pk"))
    objects += list(Feedback.objects.filter(agency=agency).order_by("pk"))
    objects += list(Answer.objects.filter(feedback__agency=agency).order_by("pk"))
    objects += decisions + responses
    for peer in peers:
        objects.append(peer)
        objects += list(Feedback.objects.filter(agency=peer).order_by("pk"))
        objects += list(Answer.objects.filter(feedback__agency=peer).order_by("pk"))
    # Rollup pks come from database sequences, which a rolled-back transaction does not rewind on
    # PostgreSQL: number them here so the fixture is the same on every database.
    answer_rollups = AnswerRollup.objects.filter(agency__in=demo_agencies).order_by(
        "agency", "month", "category", "question__order", "value"
    )
    score_rollups = ScoreRollup.objects.filter(agency__in=demo_agencies).order_by(
        "agency", "month", "category", "measure"
    )
    moderation_rollups = ModerationRollup.objects.filter(agency__in=demo_agencies).order_by(
        "agency", "state", "reason"
    )
    for rollups in (answer_rollups, score_rollups, moderation_rollups):
        for pk, row in enumerate(rollups, start=1):
            row.pk = pk
            objects.append(row)
    return objects


# Fictional sample agencies, unpublished and marked demo: they exist only so that the demo's
# "compared with other agencies" section has a pool (a comparison needs at least five others). Real agencies are never compared with them,
# and demo agencies never count in national figures.
PEERS = [
    ("Sample County Sheriff's Office (demo sample)", "demo-sample-county", "Sample County", 47.0),
    ("Maple Falls Police Department (demo sample)", "demo-maple-falls", "Maple Falls", 55.0),
    ("Riverbend Police Department (demo sample)", "demo-riverbend", "Riverbend", 63.0),
    ("Cedar Grove Police Department (demo sample)", "demo-cedar-grove", "Cedar Grove", 68.0),
    ("Oak Hollow Police Department (demo sample)", "demo-oak-hollow", "Oak Hollow", 59.0),
]


def _build_peers(
    rng: random.Random,
    survey: Survey,
    questions: list,
    months: list[dt.date],
    feedback_pk: int,
    answer_pk: int,
) -> list[Agency]:
    """Create the sample peer agencies with a year of plain responses (no codes, no comments)."""
    peers: list[Agency] = []
    categories = list(CATEGORY_WEIGHT)
    weights = [CATEGORY_WEIGHT[c] for c in categories]
    for offset, (name, slug, city, base) in enumerate(PEERS, start=2):
        peer = Agency.objects.create(
            pk=offset,
            name=name,
            slug=slug,
            city=city,
            state="KS",
            timezone="America/Chicago",
            published=False,
            is_demo=True,
        )
        peers.append(peer)
        answers: list[Answer] = []
        for month in months:
            for _ in range(rng.randint(6, 9)):  # release blocks merge months up to k
                feedback_pk += 1
                category = rng.choices(categories, weights)[0]
                latent = base + CATEGORY_EFFECT[category] + rng.gauss(0, 18)
                day = month + dt.timedelta(days=rng.randrange(28))
                fb = Feedback.objects.create(
                    pk=feedback_pk,
                    agency=peer,
                    survey=survey,
                    category=category,
                    interaction_month=month,
                    submitted_on=day,
                    language="es" if rng.random() < 0.15 else "en",
                    verified=True,
                )
                for question in questions:
                    answer_pk += 1
                    answers.append(
                        Answer(
                            pk=answer_pk,
                            feedback=fb,
                            question=question,
                            value=_answer(rng, latent + PILLAR_OFFSET[question.pillar]),
                        )
                    )
        Answer.objects.bulk_create(answers)
    return peers


def _add_comment(rng: random.Random, fb: Feedback, latent: float, month_index: int) -> None:
    if rng.random() > 0.35:
        return
    pool = POSITIVE if latent >= 55 else NEGATIVE
    fb.comment = rng.choice(pool[fb.language])
    fb.publish_consent = rng.random() < 0.65
    if not fb.publish_consent:
        fb.moderation_state = Feedback.Moderation.PRIVATE
    elif month_index >= 11 and rng.random() < 0.6:
        fb.moderation_state = Feedback.Moderation.PENDING  # the newest month is still in the queue
    else:
        fb.moderation_state = Feedback.Moderation.PUBLISHED
        fb.published_text = fb.comment
        fb.published_on = fb.submitted_on + dt.timedelta(days=rng.randrange(1, 6))


def _moderate(
    rng: random.Random, rows: list[Feedback]
) -> tuple[list[ModerationDecision], list[PublicResponse]]:
    decisions: list[ModerationDecision] = []
    responses: list[PublicResponse] = []
    published = [f for f in rows if f.moderation_state == Feedback.Moderation.PUBLISHED]
    for i, fb in enumerate(published, start=1):
        decisions.append(
            ModerationDecision.objects.create(
                pk=i,
                feedback=fb,
                action=ModerationDecision.Action.PUBLISH,
                text=fb.published_text,
            )
        )
        # The agency answers what the comment said: a reply sits under the comment it answers.
        reply = REPLY_TO.get(fb.published_text)
        if reply is not None and rng.random() < 0.45:
            responses.append(
                PublicResponse.objects.create(
                    pk=len(responses) + 1,
                    feedback=fb,
                    body=RESPONSES[reply][0],
                    body_es=RESPONSES[reply][1],
                    published_on=fb.published_on + dt.timedelta(days=rng.randrange(1, 10)),
                )
            )
    # A few comments that moderators withheld, so the page can show withheld counts by reason.
    pending = [f for f in rows if f.moderation_state == Feedback.Moderation.PRIVATE]
    for j, (text, reason) in enumerate(WITHHELD_EXAMPLES):
        if j >= len(pending):
            break
        fb = pending[j]
        fb.comment, fb.publish_consent = text, True
        fb.moderation_state, fb.withheld_reason = Feedback.Moderation.WITHHELD, reason
        fb.save()
        decisions.append(
            ModerationDecision.objects.create(
                pk=len(decisions) + 1,
                feedback=fb,
                action=ModerationDecision.Action.WITHHOLD,
                reason=reason,
            )
        )
    return decisions, responses


class _Rollback(Exception):
    pass


def trustville_fixture_json(spec: DemoSpec) -> str:
    """Generate Trustville in a transaction that is rolled back, and return the fixture JSON."""
    if Agency.objects.exists():
        raise RuntimeError("make_trustville needs a database without agencies (pks are fixed).")
    payload = ""
    try:
        with transaction.atomic():
            objects = build_trustville(spec)
            payload = serializers.serialize("json", objects, indent=1)
            raise _Rollback
    except _Rollback:
        pass
    return payload + "\n"


def fixture_checksum(payload: str) -> str:
    return hashlib.sha256(payload.encode()).hexdigest()[:16]
