"""Personal-data detection for moderation: pure, no database."""

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedback.redaction import (
    DEFAULT_PLACEHOLDERS,
    Kind,
    find_personal_data,
    known_names,
    propose_redaction,
    segments,
)


def kinds_and_texts(text, **kwargs):
    return [(f.kind, f.text) for f in find_personal_data(text, **kwargs)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to jane.doe@example.com please", (Kind.EMAIL, "jane.doe@example.com")),
        ("jane at example dot com", (Kind.EMAIL, "jane at example dot com")),
        ("juan (at) correo (dot) mx", (Kind.EMAIL, "juan (at) correo (dot) mx")),
        ("call me at 555-123-4567 ok", (Kind.PHONE, "555-123-4567")),
        ("my number (212) 555-0187", (Kind.PHONE, "(212) 555-0187")),
        ("whatsapp +52 55 1234 5678", (Kind.PHONE, "+52 55 1234 5678")),
        ("I live at 1234 N Main Street, Apt 4B.", (Kind.ADDRESS, "1234 N Main Street, Apt 4B")),
        ("outside 77 5th ave", (Kind.ADDRESS, "77 5th ave")),
        ("the 1200 block of Elm Avenue", (Kind.ADDRESS, "1200 block of Elm Avenue")),
        ("vivo en Calle del Sol 123", (Kind.ADDRESS, "Calle del Sol 123")),
        ("send it to PO Box 42", (Kind.ADDRESS, "PO Box 42")),
        ("my plate is 7ABC123", (Kind.PLATE, "7ABC123")),
        ("a car with tag abc-123 stopped", (Kind.PLATE, "abc-123")),
        ("next to ABC 1234 there", (Kind.PLATE, "ABC 1234")),
        ("la placa XYZ987", (Kind.PLATE, "XYZ987")),
        ("case 482913 was closed", (Kind.DIGITS, "482913")),
        ("SSN 123-45-6789", (Kind.DIGITS, "123-45-6789")),
        ("Officer Smith was kind", (Kind.NAME, "Smith")),
        ("and Sgt. O'Brien too", (Kind.NAME, "O'Brien")),
        ("Deputy J. Carter helped", (Kind.NAME, "J. Carter")),
        ("My name is Maria Lopez.", (Kind.NAME, "Maria Lopez")),
        ("Me llamo Juan.", (Kind.NAME, "Juan")),
        ("Then Michael arrived.", (Kind.NAME, "Michael")),
        ("follow me @jane_doe", (Kind.HANDLE, "@jane_doe")),
    ],
)
def test_personal_data_is_found(text, expected):
    assert expected in kinds_and_texts(text)


@pytest.mark.parametrize(
    "text",
    [
        "Thanks to the two officers who came. Five people on the road at 10:30 in 2024.",
        "COVID-19 and N95 masks, the I-95 highway, a 911 call.",
        "The Officer was great. Will you listen? Grace under pressure.",
        "El oficial fue muy amable y respetuoso conmigo.",
        "It took 45 minutes, 3 cars, and 2 officers.",
    ],
)
def test_ordinary_comments_are_left_alone(text):
    assert find_personal_data(text) == []


def test_known_names_are_found_case_insensitively():
    assert (Kind.NAME, "pat quinn") in kinds_and_texts(
        "thanks to pat quinn", extra_names=["Pat Quinn"]
    )


def test_proposal_replaces_each_finding_with_a_labelled_placeholder():
    text = "Officer Smith was kind. Call 555-123-4567 or jane@example.com"
    assert propose_redaction(text) == (
        "Officer [name removed] was kind. Call [phone removed] or [e-mail removed]"
    )


def test_placeholders_can_be_translated():
    text = "Me llamo Juan."
    assert propose_redaction(text, placeholders={Kind.NAME: "[nombre]"}) == "Me llamo [nombre]."


def test_overlapping_candidates_keep_the_longest_span():
    # The house number is a digit run and part of the address; the address wins.
    findings = find_personal_data("at 123456 Ocean Drive")
    assert [(f.kind, f.text) for f in findings] == [(Kind.ADDRESS, "123456 Ocean Drive")]


def test_segments_mark_findings_and_rebuild_the_text():
    text = "Call 555-123-4567 now"
    pieces = segments(text, find_personal_data(text))
    assert pieces == [("Call ", None), ("555-123-4567", Kind.PHONE), (" now", None)]


def test_empty_text_has_no_findings():
    assert find_personal_data("") == []
    assert propose_redaction("") == ""


@given(st.text(max_size=300))
def test_findings_are_ordered_disjoint_and_inside_the_text(text):
    findings = find_personal_data(text)
    previous_end = 0
    for finding in findings:
        assert previous_end <= finding.start < finding.end <= len(text)
        assert text[finding.start : finding.end] == finding.text
        previous_end = finding.end
    assert "".join(piece for piece, _ in segments(text, findings)) == text


# --- the corpus: realistic comments in English and Spanish, with the redaction expected ---------

CORPUS = json.loads((Path(__file__).parent / "redaction_corpus.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "entry", CORPUS["comments"], ids=[f"{e['lang']}-{i}" for i, e in enumerate(CORPUS["comments"])]
)
def test_corpus_comment_is_redacted_as_expected(entry):
    names = known_names(CORPUS["officers"])
    findings = find_personal_data(entry["text"], extra_names=names)
    assert propose_redaction(entry["text"], findings) == entry["expected"]


def test_corpus_covers_both_languages_and_every_kind_of_personal_data():
    languages = {e["lang"] for e in CORPUS["comments"]}
    expected = " ".join(e["expected"] for e in CORPUS["comments"])
    assert languages == {"en", "es"}
    for placeholder in DEFAULT_PLACEHOLDERS.values():
        assert placeholder in expected, placeholder


def test_a_plate_with_its_state_prefix_is_removed_whole():
    assert propose_redaction("Plate KS 482 TRV was there.") == "Plate [plate removed] was there."


def test_an_address_at_the_end_of_a_sentence_keeps_the_full_stop():
    assert propose_redaction("Vivo en el 221 Main St.") == "Vivo en el [address removed]."
    assert propose_redaction("Vivo en Calle del Sol 123.") == "Vivo en [address removed]."
    # A unit after the abbreviation still belongs to the address.
    assert propose_redaction("at 12 Oak St. Apt 4B, ok") == "at [address removed], ok"


def test_known_names_add_each_officers_surname():
    assert known_names(["Dana Whitfield", "Luis Ortega", " "]) == [
        "Dana Whitfield",
        "Luis Ortega",
        "Ortega",
        "Whitfield",
    ]
