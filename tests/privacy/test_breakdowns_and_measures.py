"""Differencing across breakdowns (every shown cell of a block and of its neighbours) and across
measures (trust against the pillars), on the real release engine and on weakened copies of it."""

import pytest

from agencies import figures
from feedback.releases import current_closed_month, releases_rebuild, releases_run
from surveys.disclosure import add_months
from surveys.models import Question

from .attacks import isolate_by_breakdowns, skipped_pillar_trust, staff_remainders
from .conftest import K, generated_agency
from .public import harvest
from .weakened import People, answered_pillars_estimates, primary_suppression_only

pytestmark = pytest.mark.django_db


def two_blocks():
    """Two monthly blocks: ten traffic stops, ten calls for help and one welfare check each."""
    closed = current_closed_month()
    plan = []
    for month in (add_months(closed, -2), add_months(closed, -1)):
        plan += [(month, "traffic_stop", "en", 10), (month, "call_for_help", "en", 10),
                 (month, "welfare_check", "en", 1)]  # fmt: skip
    return generated_agency(plan, slug="two-blocks")


@pytest.fixture
def weakened_suppression(monkeypatch):
    monkeypatch.setattr(figures, "partitions_released", primary_suppression_only)


@pytest.fixture
def weakened_trust(monkeypatch):
    monkeypatch.setattr(
        figures, "group_estimates", answered_pillars_estimates(figures.group_estimates)
    )


def truth_trust(agency, *, category: str | None = None, skipped: bool = False) -> list[float]:
    people = People(agency).people
    closed = current_closed_month()
    out = []
    for p in people:
        if p["month"] > closed or p["scores"]["trust"] is None:
            continue
        if category and p["category"] != category:
            continue
        if skipped and all(
            p["scores"][x] is not None for x in ("voice", "respect", "neutrality", "motives")
        ):
            continue
        out.append(p["scores"]["trust"])
    return out


def test_breakdowns_without_complementary_suppression_single_out_people(
    client, weakened_suppression
):
    agency = two_blocks()
    releases_run()
    found = isolate_by_breakdowns(harvest(client, agency.slug), k=K)
    sizes = {g.description: g.size for g in found}
    print("two-blocks, weakened:", found)
    # What the kinds shown leave over in the window: the two welfare checks, with their trust.
    assert sizes == {"hidden, every kind": 2}
    welfare = truth_trust(agency, category="welfare_check")
    recovered = next(g for g in found if g.description == "hidden, every kind")
    assert abs(recovered.trust - sum(welfare) / 2) < 1


def test_the_real_breakdowns_single_out_nobody(client):
    agency = two_blocks()
    releases_run()
    public = harvest(client, agency.slug)
    assert [
        r
        for r in public.table("/scores.csv")
        if r["breakdown"] == "call_category" and r["status"] == "shown"
    ]
    assert isolate_by_breakdowns(public, k=K) == []


def test_trustville_breakdowns_single_out_nobody(client, trustville):
    releases_run()
    assert isolate_by_breakdowns(harvest(client, "trustville"), k=K) == []


def skipper_agency():
    """Two blocks; in the second, one person answered "doesn't apply" to both motives items."""
    closed = current_closed_month()
    motives = list(Question.objects.filter(pillar="motives").values_list("code", flat=True))
    plan = [
        (add_months(closed, -2), "traffic_stop", "en", 12),
        (add_months(closed, -1), "traffic_stop", "en", 11),
    ]
    return generated_agency(plan, slug="skipper", skip={20: motives})


def test_trust_over_answered_pillars_gives_away_the_person_who_skipped_one(client, weakened_trust):
    agency = skipper_agency()
    releases_run()
    found = skipped_pillar_trust(harvest(client, agency.slug), k=K)
    print("skipper, weakened:", found)
    [truth] = truth_trust(agency, skipped=True)
    assert [g.size for g in found] == [1]
    assert abs(found[0].mean - truth) <= found[0].error + 0.01


def test_trust_as_the_mean_of_the_pillar_means_gives_nothing_away(client):
    agency = skipper_agency()
    releases_run()
    assert skipped_pillar_trust(harvest(client, agency.slug), k=K) == []


def test_trustville_measures_weakened_and_real(client, trustville, monkeypatch):
    releases_run()
    assert skipped_pillar_trust(harvest(client, "trustville"), k=K) == []
    monkeypatch.setattr(
        figures, "group_estimates", answered_pillars_estimates(figures.group_estimates)
    )
    releases_rebuild()
    found = skipped_pillar_trust(harvest(client, "trustville"), k=K)
    print("Trustville, weakened:", found)
    skipped = truth_trust(trustville, skipped=True)
    assert found and all(g.size < K for g in found)
    assert any(
        g.size == len(skipped) and abs(g.mean - sum(skipped) / len(skipped)) <= g.error + 0.01
        for g in found
    )


def staff_results(agency) -> list[dict[str, str]]:
    import csv
    import io

    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from agencies.models import Membership
    from tests.factories import staff_user

    client = Client()
    name = f"analyst-{agency.slug}"
    user = get_user_model().objects.filter(username=name).first()
    client.force_login(user or staff_user(agency, Membership.Role.ANALYST, username=name))
    body = client.get(reverse("admin:feedback_results_csv")).content.decode()
    return list(csv.DictReader(io.StringIO(body)))


def one_block():
    """One monthly block: ten traffic stops, ten calls for help and one welfare check."""
    month = add_months(current_closed_month(), -1)
    plan = [(month, "traffic_stop", "en", 10), (month, "call_for_help", "en", 10),
            (month, "welfare_check", "en", 1)]  # fmt: skip
    return generated_agency(plan, slug="one-block")


def test_staff_breakdowns_without_complementary_suppression_give_one_person_away(
    weakened_suppression,
):
    agency = one_block()
    releases_run()
    found = staff_remainders(staff_results(agency), k=K)
    print("one-block staff, weakened:", found)
    [welfare] = truth_trust(agency, category="welfare_check")
    [group] = [g for g in found if "category" in g.description]
    assert group.size == 1 and abs(group.trust - welfare) <= group.error


def test_the_real_staff_breakdowns_give_nobody_away(trustville):
    agency = one_block()
    releases_run()
    rows = staff_results(agency)
    assert [r for r in rows if r["breakdown"] == "overall"]
    assert staff_remainders(rows, k=K) == []
    assert staff_remainders(staff_results(trustville), k=K) == []
