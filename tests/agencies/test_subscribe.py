"""Stay connected: double opt-in with a signed link, one-click unsubscribe, kept apart from feedback."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from agencies.models import Subscriber


def _link(body: str, word: str) -> str:
    url = next(u for u in re.findall(r"https?://\S+", body) if word in u)
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


@pytest.mark.django_db
def test_sign_up_stores_an_unconfirmed_subscriber_and_mails_a_link(client: Client) -> None:
    response = client.post(
        reverse("site:subscribe"), {"email": " Rosa@Example.org ", "city": "Austin", "state": "tx"}
    )
    assert response.status_code == 302
    subscriber = Subscriber.objects.get()
    assert (subscriber.email, subscriber.state, subscriber.confirmed) == (
        "rosa@example.org",
        "TX",
        False,
    )
    assert mail.outbox[0].to == ["rosa@example.org"]
    assert "List-Unsubscribe" in mail.outbox[0].extra_headers


@pytest.mark.django_db
def test_confirmation_link_confirms_and_unsubscribe_link_deletes(client: Client) -> None:
    client.post(reverse("site:subscribe"), {"email": "rosa@example.org"})
    body = mail.outbox[0].body
    assert client.get(_link(body, "/confirm/")).status_code == 200
    assert Subscriber.objects.get().confirmed is True
    assert client.get(_link(body, "/unsubscribe/")).status_code == 200
    assert Subscriber.objects.count() == 0


@pytest.mark.django_db
def test_a_tampered_confirmation_link_is_refused(client: Client) -> None:
    client.post(reverse("site:subscribe"), {"email": "rosa@example.org"})
    link = _link(mail.outbox[0].body, "/confirm/")
    response = client.get(link[:-3] + "xyz/")
    assert response.status_code == 400
    assert Subscriber.objects.get().confirmed is False


@pytest.mark.django_db
def test_spanish_sign_up_gets_a_spanish_e_mail(client: Client) -> None:
    client.post(reverse("site:subscribe"), {"email": "rosa@example.org"}, HTTP_ACCEPT_LANGUAGE="es")
    assert Subscriber.objects.get().language == "es"
    assert "Confirme" in mail.outbox[0].subject


@pytest.mark.django_db
def test_signing_up_twice_does_not_reveal_whether_the_address_exists(client: Client) -> None:
    first = client.post(reverse("site:subscribe"), {"email": "rosa@example.org"})
    second = client.post(reverse("site:subscribe"), {"email": "rosa@example.org"})
    assert first["Location"] == second["Location"]
    assert Subscriber.objects.count() == 1


@pytest.mark.django_db
def test_subscriber_table_has_no_link_to_feedback() -> None:
    related = {f.related_model for f in Subscriber._meta.get_fields() if f.is_relation}
    assert related == set()


@pytest.mark.django_db
def test_unconfirmed_sign_ups_past_their_link_are_deleted(client: Client) -> None:
    import datetime as dt

    stale = Subscriber.objects.create(email="old@example.org")
    Subscriber.objects.filter(pk=stale.pk).update(created_on=dt.date(2000, 1, 1))
    kept = Subscriber.objects.create(email="kept@example.org", confirmed=True)
    Subscriber.objects.filter(pk=kept.pk).update(created_on=dt.date(2000, 1, 1))
    client.post(reverse("site:subscribe"), {"email": "new@example.org"})
    assert set(Subscriber.objects.values_list("email", flat=True)) == {
        "kept@example.org",
        "new@example.org",
    }


@pytest.mark.django_db
def test_sign_up_is_rate_limited_and_guarded_by_a_honeypot(client: Client) -> None:
    assert (
        client.post(
            reverse("site:subscribe"), {"email": "bot@example.org", "website": "x"}
        ).status_code
        == 302
    )
    assert Subscriber.objects.count() == 0
    for n in range(5):
        client.post(reverse("site:subscribe"), {"email": f"r{n}@example.org"})
    response = client.post(reverse("site:subscribe"), {"email": "late@example.org"})
    assert response.status_code == 429
    assert not Subscriber.objects.filter(email="late@example.org").exists()


@pytest.mark.django_db
def test_links_never_carry_the_address_itself(client: Client) -> None:
    import base64

    client.post(reverse("site:subscribe"), {"email": "rosa@example.org"})
    for word in ("/confirm/", "/unsubscribe/"):
        token = _link(mail.outbox[0].body, word).rstrip("/").rsplit("/", 1)[1]
        payload = token.split(":")[0]
        decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        assert b"rosa" not in decoded and "rosa" not in token
