"""Open-data rows: the streamed export equals a straightforward reference, byte for byte.

The reference reads every row of an agency into memory, k-anonymises it with the same
`generalisation` and sorts it in Python: slow, but obviously right. The export must write the
same rows in the same order: classes in the order of their published values, rows inside a class
by content (verified, survey version, answers in column order with "not asked" before "doesn't
apply" (0) before 1-5, then the comment by code point), never by id or date.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from collections import Counter
from collections.abc import Sequence

import pytest
from django.urls import reverse

from agencies import exports, opendata
from agencies.models import Agency
from agencies.pages import current_closed_month
from feedback.models import Answer, Category, Feedback
from feedback.rollups import rollups_rebuild
from surveys.disclosure import add_months, generalisation
from surveys.models import Question, Survey
from tests.factories import AgencyFactory, DistrictFactory

pytestmark = pytest.mark.django_db
K = 10
# Validators, the agencies, the questions, release blocks, class counts, rows: whatever the size.
QUERIES = 10
PUBLISHED = Feedback.Moderation.PUBLISHED
# Code-point order differs from dictionary order here ("Zebra" < "apple", "b" < "ä"), and the CSV
# writer must quote some of them.
COMMENTS = ["", "", "apple", "Zebra", "ä", "b", 'He said "stop", then left', "two\nlines", "Ñu"]


def second_survey() -> Survey:
    """A survey v2 that reorders two v1 items and adds one, so columns interleave versions."""
    survey, _ = Survey.objects.get_or_create(
        version=2, defaults={"title": "v2", "introduced_on": dt.date(2026, 1, 1)}
    )
    for order, (code, pillar) in enumerate(
        (("respect_dignity", "respect"), ("voice_listened", "voice"), ("v2_new", "voice")), 1
    ):
        Question.objects.get_or_create(
            survey=survey,
            code=code,
            defaults={"pillar": pillar, "order": order, "text_en": code, "text_es": code},
        )
    return survey


def varied_agency(seed: int, *, rows: int = 300, **fields: object) -> Agency:
    """An agency with deterministic pseudo-random rows that exercise every coarsening level,
    both survey versions, missing and "doesn't apply" answers, ties and awkward comments."""
    rng = random.Random(seed)
    agency = AgencyFactory(**fields)
    districts = [
        DistrictFactory(agency=agency, name=name) for name in ("North", "Südstadt", 'East, "old"')
    ]
    surveys = [Survey.objects.get(version=1), second_survey()]
    questions = {s.pk: list(Question.objects.filter(survey=s)) for s in surveys}
    closed = current_closed_month()
    months = [add_months(closed, -i) for i in range(20)]
    categories = [Category.TRAFFIC_STOP, Category.CALL_FOR_HELP, Category.WELFARE_CHECK]
    feedback = []
    for _ in range(rows):
        month = rng.choice(months[:4]) if rng.random() < 0.4 else rng.choice(months)
        comment = rng.choice(COMMENTS)
        published = bool(comment) and rng.random() < 0.6
        feedback.append(
            Feedback(
                agency=agency,
                survey=rng.choice(surveys),
                category=rng.choice(categories[:1] * 3 + categories),
                district=rng.choice([*districts, None, districts[0]]),
                interaction_month=month,
                submitted_on=month + dt.timedelta(days=9),
                language=rng.choice(["en", "en", "es"]),
                verified=rng.random() < 0.7,
                comment=comment,
                publish_consent=published,
                moderation_state=PUBLISHED if published else Feedback.Moderation.PENDING,
                published_text=comment if published else "",
            )
        )
    Feedback.objects.bulk_create(feedback)
    answers = []
    for item in Feedback.objects.filter(agency=agency):
        for question in questions[item.survey_id]:
            draw = rng.random()
            if draw < 0.1:
                continue  # not asked: an empty cell
            value = None if draw < 0.2 else rng.choice([3, 4, 4, 5])
            answers.append(Answer(feedback=item, question=question, value=value))
    Answer.objects.bulk_create(answers)
    rollups_rebuild(agency=agency)
    return agency


def reference_rows(agency: Agency, closed: dt.date) -> list[dict]:
    """The agency's open-data rows, computed the slow and obvious way."""
    through = exports.released_through(agency, closed)
    if through is None:
        return []
    codes = dict(Question.objects.order_by("-survey__version", "order").values_list("pk", "code"))
    columns = [f"q_{code}" for code in dict.fromkeys(codes.values())]
    items = (
        Feedback.objects.filter(agency=agency, interaction_month__lte=through)
        .select_related("district", "survey")
        .prefetch_related("answers")
    )

    def combo(item: Feedback) -> tuple[dt.date, str, str, str]:
        district = item.district.name if item.district else ""
        return (item.interaction_month, district, item.category, item.language)

    mapping = generalisation(Counter(map(combo, items)), k=K, released_through=through)
    rows = []
    for item in items:
        key = mapping.get(combo(item))
        if key is None:
            continue
        values: dict[str, int | None] = dict.fromkeys(columns)
        for answer in item.answers.all():
            values[f"q_{codes[answer.question_id]}"] = answer.value or 0
        rows.append(
            {
                "agency": agency.slug,
                "agency_name": agency.name,
                **dict(zip(("period", "district", "call_category", "language"), key, strict=True)),
                "verified": item.verified,
                "survey_version": item.survey.version,
                **values,
                "comment": item.published_text if item.moderation_state == PUBLISHED else "",
            }
        )

    def order(row: dict) -> tuple:
        qi = (row["period"], row["district"], row["call_category"], row["language"])
        answers = [-1 if row[c] is None else row[c] for c in columns]
        return (*qi, row["verified"], row["survey_version"], answers, row["comment"])

    return sorted(rows, key=order)


def reference_csv(rows: Sequence[dict]) -> str:
    names = [c.name for c in opendata.response_columns(exports.question_columns())]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for row in rows:
        values = [row[n] for n in names]
        writer.writerow([str(v).lower() if isinstance(v, bool) else v for v in values])
    return out.getvalue()


def body(response) -> str:
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def test_agency_csv_and_json_equal_the_reference(client):
    agency = varied_agency(1)
    expected = reference_rows(agency, current_closed_month())
    periods = {r["period"] for r in expected}
    assert (
        len(expected) > 150
        and any("-Q" in p for p in periods)
        and any(len(p) == 4 for p in periods)
    )
    assert body(client.get(reverse("agencies:responses_csv", args=[agency.slug]))) == (
        reference_csv(expected)
    )
    data = json.loads(body(client.get(reverse("agencies:responses_json", args=[agency.slug]))))
    # Same keys in the same order, same JSON types (true, not 1; null for "not asked").
    assert [list(r.items()) for r in data["rows"]] == [list(r.items()) for r in expected]


def test_national_csv_equals_the_references_in_agency_order(client, trustville):
    agencies = [varied_agency(seed, rows=120) for seed in (2, 3, 4)]
    closed = current_closed_month()
    expected = [row for agency in agencies for row in reference_rows(agency, closed)]
    assert len({r["agency"] for r in expected}) == 3  # the demo agency stays out
    assert body(client.get(reverse("agencies:all_responses_csv"))) == reference_csv(expected)


def test_trustville_csv_equals_the_reference(client, trustville):
    expected = reference_rows(trustville, current_closed_month())
    assert len(expected) >= 150
    text = body(client.get(reverse("agencies:responses_csv", args=["trustville"])))
    assert text == reference_csv(expected)


def test_rows_inside_a_class_are_ordered_by_content_not_by_id(client):
    agency = AgencyFactory()
    month = current_closed_month()
    codes = list(Question.objects.filter(survey__version=1).values_list("code", flat=True))
    # Inserted in descending content order, so id order and content order disagree.
    firsts = [5, 5, 4, 3, 2, 1, 0, 0, None, None, None, None]
    for i, first in enumerate(firsts):
        item = Feedback.objects.create(
            agency=agency,
            survey=Survey.objects.get(version=1),
            category=Category.TRAFFIC_STOP,
            interaction_month=month,
            submitted_on=month,
            language="en",
            verified=True,
        )
        for code in codes[1:]:
            Answer.objects.create(
                feedback=item,
                question=Question.objects.get(survey__version=1, code=code),
                value=5 - i % 2,
            )
        if first is not None:
            value = None if first == 0 else first  # stored None is "doesn't apply", shown as 0
            Answer.objects.create(
                feedback=item,
                question=Question.objects.get(survey__version=1, code=codes[0]),
                value=value,
            )
    rollups_rebuild(agency=agency)
    text = body(client.get(reverse("agencies:responses_csv", args=[agency.slug])))
    rows = list(csv.DictReader(io.StringIO(text)))
    pairs = [(r[f"q_{codes[0]}"], r[f"q_{codes[1]}"]) for r in rows]
    # Not asked (empty) first, then doesn't apply (0), then 1-5; ties broken by the next column.
    assert pairs == [
        ("", "4"),
        ("", "4"),
        ("", "5"),
        ("", "5"),
        ("0", "4"),
        ("0", "5"),
        ("1", "4"),
        ("2", "5"),
        ("3", "4"),
        ("4", "5"),
        ("5", "4"),
        ("5", "5"),
    ]


def many_codes_survey() -> Survey:
    """A survey v3 with 24 new codes: with the others, answers need two 21-code sort keys."""
    survey = Survey.objects.create(version=3, title="v3", introduced_on=dt.date(2026, 1, 1))
    for order in range(1, 25):
        Question.objects.create(
            survey=survey, code=f"v3_{order:02d}", pillar="voice", order=order, text_en="x"
        )
    return survey


def test_more_codes_than_one_sort_key_holds_equal_the_reference(client):
    many_codes_survey()
    agency = varied_agency(6, rows=200)
    v3 = Survey.objects.get(version=3)
    Feedback.objects.filter(
        agency=agency, pk__in=Feedback.objects.filter(agency=agency).values("pk")[:150]
    ).update(survey=v3)  # their v1/v2 answers stay: every column gets values
    for item in Feedback.objects.filter(agency=agency, survey=v3)[:120]:
        for i, question in enumerate(Question.objects.filter(survey=v3)):
            if (item.pk + i) % 5:
                Answer.objects.create(feedback=item, question=question, value=(item.pk * i) % 3 + 3)
    rollups_rebuild(agency=agency)
    expected = reference_rows(agency, current_closed_month())
    assert len(exports.question_codes()) > exports.CODES_PER_KEY
    text = body(client.get(reverse("agencies:responses_csv", args=[agency.slug])))
    assert text == reference_csv(expected)


def test_small_queries_and_groups_give_the_same_file(client, monkeypatch, trustville):
    agencies = [varied_agency(seed, rows=150) for seed in (7, 8, 9)]
    url = reverse("agencies:all_responses_csv")
    whole = body(client.get(url))
    monkeypatch.setattr(exports, "ROWS_PER_QUERY", 7)  # classes of 10+: one class per query
    monkeypatch.setattr(exports, "AGENCIES_PER_GROUP", 2)
    assert body(client.get(url)) == whole
    expected = [row for a in agencies for row in reference_rows(a, current_closed_month())]
    assert whole == reference_csv(expected)


def test_query_count_does_not_grow_with_rows_classes_or_agencies(
    client, django_assert_max_num_queries
):
    small = AgencyFactory()
    month = current_closed_month()
    for _ in range(K):
        Feedback.objects.create(
            agency=small,
            survey=Survey.objects.get(version=1),
            category=Category.TRAFFIC_STOP,
            interaction_month=month,
            submitted_on=month,
            language="en",
        )
    rollups_rebuild(agency=small)
    large = [varied_agency(seed, rows=300) for seed in (10, 11, 12)]
    for url in (
        reverse("agencies:responses_csv", args=[small.slug]),  # one class of 10 rows
        reverse("agencies:responses_csv", args=[large[0].slug]),  # dozens of classes
        reverse("agencies:all_responses_csv"),  # four agencies
    ):
        with django_assert_max_num_queries(QUERIES):
            assert body(client.get(url)).count("\n") > K
