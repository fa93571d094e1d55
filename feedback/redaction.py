"""Find personal data in a free-text comment and propose a redacted version.

Pure text processing (no ORM, no Django): a moderation aid, not a guarantee. It errs on the side of
flagging too much; the moderator reviews and edits the proposal before anything is published.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers


class Kind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    ADDRESS = "address"
    PLATE = "plate"
    NAME = "name"
    HANDLE = "handle"
    DIGITS = "digits"


# When two findings overlap and have the same length, the kind listed first wins.
PRIORITY = list(Kind)

DEFAULT_PLACEHOLDERS: Mapping[Kind, str] = {
    Kind.EMAIL: "[e-mail removed]",
    Kind.PHONE: "[phone removed]",
    Kind.ADDRESS: "[address removed]",
    Kind.PLATE: "[plate removed]",
    Kind.NAME: "[name removed]",
    Kind.HANDLE: "[account removed]",
    Kind.DIGITS: "[number removed]",
}


@dataclass(frozen=True, order=True)
class Finding:
    start: int
    end: int
    kind: Kind
    text: str


# --- patterns ---------------------------------------------------------------------------------

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# "jane (at) example (dot) com", "jane at example dot com", "jane[at]example.com"
OBFUSCATED_EMAIL_RE = re.compile(
    r"\b[A-Za-z0-9._%+-]+\s*(?:\(at\)|\[at\]|\s(?:at|arroba)\s)\s*[A-Za-z0-9-]+"
    r"\s*(?:\(dot\)|\[dot\]|\s(?:dot|punto)\s|\.)\s*[A-Za-z]{2,6}\b",
    re.IGNORECASE,
)
HANDLE_RE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_]{3,30}\b")

_STREET_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Av|Road|Rd|Boulevard|Blvd|Drive|Dr|Lane|Ln|Way|Court|Ct|Place|Pl"
    r"|Terrace|Ter|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Trail|Trl|Square|Sq|Loop|Alley|Pike"
    r"|Crescent|Cres|Plaza|Row)"
)
# A street suffix may be written in lower case ("main street"), but the street's own name must
# look like a name (capitalised or an ordinal such as 5th): "5 people on the road" is no address.
_STREET_WORD = r"(?:[A-Z][A-Za-z'.-]*|\d+(?:st|nd|rd|th))"
_UNIT_WORD = (
    r"(?:Apt|Apartment|Unit|Suite|Ste|Flat|Room|Rm|#|apt|apartment|unit|suite|flat|room"
    r"|Depto|Departamento|Dpto|Apto|Apartamento|Interior|Int|Piso|Casa"
    r"|depto|departamento|dpto|apto|apartamento|interior|int|piso|casa)"
)
# ", Apt 4B", " apt. 12", " #5", ", depto 3", " int. 2": the number is part of the address.
_UNIT = rf"(?:,?\s*{_UNIT_WORD}\.?\s*(?:#|No\.?|n[uú]m\.?|n[uú]mero)?\s*[A-Za-z0-9-]{{1,6}}\b)?"
# The period after an abbreviated suffix ("St.") belongs to the address only when a unit follows;
# otherwise it is the sentence's own full stop and stays.
_ABBREVIATION_DOT = rf"(?:\.(?=\s*{_UNIT_WORD}))?"
STREET_ADDRESS_RE = re.compile(
    r"\b\d{1,6}[A-Za-z]?\s+(?:block\s+of\s+)?"
    r"(?:(?:[NSEW]|North|South|East|West)\.?\s+)?"
    rf"(?:{_STREET_WORD}\s+){{1,4}}"
    rf"(?:{_STREET_SUFFIX}|{_STREET_SUFFIX.lower()})\b" + _ABBREVIATION_DOT + _UNIT
)
# "Calle del Sol 123", "Avenida Juárez #45"
# "calle Hidalgo 45, depto 3", "Calle 5 de Mayo No. 45": the street's own words may be numbers or
# articles; they never end in a period, so a sentence's full stop stays outside the match.
SPANISH_ADDRESS_RE = re.compile(
    r"\b(?:[Cc]alle|[Aa]venida|Av\.|Avda\.|[Cc]arretera|[Cc]amino|[Pp]aseo|[Cc]allej[oó]n"
    r"|[Pp]rivada|[Bb]oulevard|Blvd\.|[Cc]errada|[Aa]ndador)\s+"
    r"(?:(?:de|del|la|las|los|el|y)\s+|\d{1,2}\s+|[A-ZÁÉÍÓÚÑ][\wÁÉÍÓÚÑáéíóúñ'-]*\s+){1,5}"
    r"(?:#|No\.?|N[uú]m\.?|n[uú]mero)?\s*\d{1,6}[A-Za-z]?\b" + _UNIT
)
# A unit named on its own ("apartment 4B", "depto 3"): it narrows an address down to one home.
UNIT_ALONE_RE = re.compile(
    r"\b(?:apartment|apt\.?|unit|suite|flat|departamento|depto\.?|dpto\.?|apartamento|apto\.?)"
    r"\s*(?:#|no\.?|n[uú]m\.?|number|n[uú]mero)?\s*(?=[A-Za-z0-9-]{0,5}\d)[A-Za-z0-9-]{1,6}\b",
    re.IGNORECASE,
)
PO_BOX_RE = re.compile(r"\bP\.?\s?O\.?\s*Box\s+\d+\b", re.IGNORECASE)

# A plate named as such: "plate ABC 1234", "tag: 7abc123", "placa XYZ-987".
# The plate may carry its state or country first and come in up to three groups ("KS 482 TRV",
# "TX ABC-1234", "JAL 123 A"): later groups must be upper case or digits, so "was" never is one.
PLATE_CONTEXT_RE = re.compile(
    r"\b(?:licen[cs]e\s+plates?|plates?|tags?|placas?|matr[ií]cula)"
    r"(?:\s+(?:number|no\.?|n[uú]mero|#))?(?:\s+(?:de|del|is|was|es|era))?[\s:#]*"
    r"(?P<plate>(?:(?-i:[A-Z]{2})[ -])?"
    r"[A-Za-z0-9]{1,4}[ -]?[A-Za-z0-9]{1,5}(?:[ -](?-i:[A-Z0-9]{1,4})){0,2})\b",
    re.IGNORECASE,
)
# An upper-case token mixing letters and digits, shaped like a US plate: ABC 1234, 7ABC123,
# ABC-123, with an optional third group (KS 482 TRV).
PLATE_SHAPE_RE = re.compile(r"\b[A-Z0-9]{1,4}[ -]?[A-Z0-9]{2,5}(?:[ -][A-Z0-9]{1,4})?\b")

# Case numbers, social security numbers, account numbers: five digits in a row, or grouped runs.
DIGITS_RE = re.compile(r"(?<![\w.])\d{5,}(?![\w])|(?<![\w.])\d{2,}(?:[-./]\d{2,}){1,4}(?![\w])")

_TITLE = (
    r"(?:Officer|Ofc\.?|Deputy|Dep\.?|Sergeant|Sgt\.?|Lieutenant|Lt\.?|Captain|Capt\.?|Detective"
    r"|Det\.?|Chief|Trooper|Tpr\.?|Corporal|Cpl\.?|Agent|Mr\.?|Mrs\.?|Ms\.?|Miss|Mx\.?|Dr\.?"
    r"|Sr\.?|Sra\.?|Srta\.?|Señor|Señora|Señorita|Don|Doña|Oficial|Agente|Sargento|Teniente"
    r"|Capitán|Capitana|Detective|Jefe|Jefa)"
)
# Capitalised word, including O'Brien, McDonald and Smith-Jones.
_CAP = r"[A-ZÁÉÍÓÚÑ](?:['’]?[A-ZÁÉÍÓÚÑ]?[a-záéíóúñ]+)+(?:-[A-ZÁÉÍÓÚÑ][a-záéíóúñ]+)?"
_INITIAL = r"[A-Z]\."
TITLED_NAME_RE = re.compile(
    rf"\b{_TITLE}\s+(?P<name>(?:{_INITIAL}\s*)?{_CAP}(?:\s+(?:{_INITIAL}\s*)?{_CAP})?"
    rf"(?:\s+{_INITIAL})?)"
)
INTRODUCED_NAME_RE = re.compile(
    r"\b(?:[Mm]y name is|[Mm]y name's|[Tt]his is|[Mm]e llamo|[Mm]i nombre es|[Nn]amed|[Cc]alled"
    r"|[Mm]y (?:son|daughter|husband|wife|partner|mother|mom|father|dad|brother|sister|friend"
    r"|neighbou?r|boyfriend|girlfriend|grandson|granddaughter|nephew|niece|cousin)"
    r"|[Mm]i (?:hij[oa]|espos[oa]|pareja|madre|mam[aá]|padre|pap[aá]|herman[oa]|amig[oa]"
    r"|vecin[oa]|novi[oa]|niet[oa]|sobrin[oa]|prim[oa]))"
    rf"\s+(?P<name>{_CAP}(?:\s+{_CAP})?)"
)
CAPITALISED_WORDS_RE = re.compile(rf"\b{_CAP}(?:\s+{_CAP})?")

# Common given names (US Social Security and Spanish-language lists). Names that are also ordinary
# English or Spanish words at the start of a sentence (Will, Mark, Grace, Hope, May, Rose, ...) are
# left out on purpose: they would flag too much.
_GIVEN_NAMES_TEXT = """
    aaron adam adrian alan albert alejandro alex alexander alexis alice alicia allison alma alyssa
    amanda amber amy ana andrea andres andrew angel angela anna anthony antonio arturo ashley
    barbara benjamin beth betty brandon brenda brian brittany bryan carlos carmen carol carolyn
    catherine cesar charles cheryl christina christine christopher cynthia daniel daniela david
    deborah debra denise dennis diana diane diego donald donna dorothy douglas edgar eduardo edward
    elizabeth emily emma enrique eric erik ernesto esteban evelyn fernando francisco gabriel
    gabriela gary george gerardo gloria gregory guadalupe guillermo gustavo hector heather helen
    henry hugo ivan jacob jacqueline james janet janice jason javier jeffrey jennifer jeremy jesse
    jessica jesus joan joel john jonathan jorge jose joseph joshua juan juana judith julia julie
    justin karen katherine kathleen kathryn kayla keith kelly kenneth kevin kimberly kyle larry
    laura lauren linda lisa lucia luis luz manuel marcos margaret maria mariana marie marilyn
    mario martha martin mary matthew megan melissa michael michelle miguel monica nancy natalie
    nathan nicholas nicole oscar pablo pamela patricia patrick paul pedro peter rachel rafael
    ramon raul raymond rebecca ricardo richard robert roberto rodrigo ronald rosa ruth ryan
    samantha samuel sandra sara sarah scott sergio sharon shirley stephanie stephen steven susan
    teresa thomas timothy tyler veronica victor victoria virginia walter william yolanda zachary
"""
GIVEN_NAMES = frozenset(_GIVEN_NAMES_TEXT.split())


# --- detectors --------------------------------------------------------------------------------


def _regex_findings(pattern: re.Pattern[str], text: str, kind: Kind, group: str | int = 0):
    for match in pattern.finditer(text):
        start, end = match.span(group)
        if end > start:
            yield Finding(start, end, kind, text[start:end])


# "Case number 2026-004512" is a case number (DIGITS), however much it looks like a phone number.
_CASE_NUMBER_BEFORE_RE = re.compile(
    r"\b(?:case|report|reference|ref|incident|caso|reporte|folio|expediente|denuncia)\.?"
    r"\s*(?:number|no\.?|n[uú]mero|n[uú]m\.?|#)?\s*[:#]?\s*$",
    re.IGNORECASE,
)


def _phones(text: str, region: str):
    # POSSIBLE rather than VALID: a fictional 555 number is still someone's way of writing one.
    matcher = phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE)
    for match in matcher:
        if _CASE_NUMBER_BEFORE_RE.search(text, max(0, match.start - 30), match.start):
            continue
        yield Finding(match.start, match.end, Kind.PHONE, match.raw_string)


def _plates(text: str):
    for finding in _regex_findings(PLATE_CONTEXT_RE, text, Kind.PLATE, "plate"):
        # "the plate was blue and 5 cars" names no plate: a lower-case word standing alone is
        # ordinary text ("abc-123" and "7abc123" are joined to their digits).
        words = finding.text.split()
        if any(ch.isdigit() for ch in finding.text) and not any(
            w.isalpha() and w.islower() for w in words if len(words) > 1
        ):
            yield finding
    for match in PLATE_SHAPE_RE.finditer(text):
        token = match.group()
        letters = sum(ch.isalpha() for ch in token)
        digits = sum(ch.isdigit() for ch in token)
        three_groups = len(re.split(r"[ -]", token)) == 3  # a state prefix: KS 482 TRV
        most_letters, longest = (6, 10) if three_groups else (4, 8)
        if 2 <= letters <= most_letters and digits >= 2 and 5 <= letters + digits <= longest:
            yield Finding(match.start(), match.end(), Kind.PLATE, token)


def _names(text: str, extra_names: Iterable[str]):
    yield from _regex_findings(TITLED_NAME_RE, text, Kind.NAME, "name")
    yield from _regex_findings(INTRODUCED_NAME_RE, text, Kind.NAME, "name")
    for match in CAPITALISED_WORDS_RE.finditer(text):
        words = match.group().split()
        if words[0].casefold() in GIVEN_NAMES:
            yield Finding(match.start(), match.end(), Kind.NAME, match.group())
        elif len(words) == 2 and words[1].casefold() in GIVEN_NAMES:
            # "Then Maria said": only the name, not the word before it.
            start = match.start() + match.group().index(words[1], len(words[0]))
            yield Finding(start, match.end(), Kind.NAME, words[1])
    for name in {n.strip() for n in extra_names if n and len(n.strip()) >= 3}:
        pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)
        yield from _regex_findings(pattern, text, Kind.NAME)


def _resolve(findings: Iterable[Finding]) -> list[Finding]:
    """Keep non-overlapping findings, preferring the longer span, then the higher-priority kind."""
    ranked = sorted(findings, key=lambda f: (-(f.end - f.start), PRIORITY.index(f.kind), f.start))
    kept: list[Finding] = []
    for finding in ranked:
        if all(finding.end <= k.start or finding.start >= k.end for k in kept):
            kept.append(finding)
    return sorted(kept)


def known_names(display_names: Iterable[str]) -> list[str]:
    """Names to look for besides the patterns: each full name and its last word ("Whitfield").

    Comments name officers by surname ("Officer Ortega", "Ortega was kind") as often as in full.
    """
    names: set[str] = set()
    for name in display_names:
        name = (name or "").strip()
        if not name:
            continue
        names.add(name)
        last = name.split()[-1]
        if len(last) >= 3 and last[:1].isupper():
            names.add(last)
    return sorted(names)


def find_personal_data(
    text: str, *, region: str = "US", extra_names: Iterable[str] = ()
) -> list[Finding]:
    """Return the spans of `text` that look like personal data, in order, without overlaps.

    `extra_names` adds names known to matter (e.g. the agency's officers) to the built-in patterns.
    """
    if not text:
        return []
    candidates: list[Finding] = []
    candidates += _regex_findings(EMAIL_RE, text, Kind.EMAIL)
    candidates += _regex_findings(OBFUSCATED_EMAIL_RE, text, Kind.EMAIL)
    candidates += _phones(text, region)
    candidates += _regex_findings(STREET_ADDRESS_RE, text, Kind.ADDRESS)
    candidates += _regex_findings(SPANISH_ADDRESS_RE, text, Kind.ADDRESS)
    candidates += _regex_findings(PO_BOX_RE, text, Kind.ADDRESS)
    candidates += _regex_findings(UNIT_ALONE_RE, text, Kind.ADDRESS)
    candidates += _plates(text)
    candidates += _names(text, extra_names)
    candidates += _regex_findings(HANDLE_RE, text, Kind.HANDLE)
    candidates += _regex_findings(DIGITS_RE, text, Kind.DIGITS)
    return _resolve(candidates)


def propose_redaction(
    text: str,
    findings: Iterable[Finding] | None = None,
    *,
    placeholders: Mapping[Kind, str] | None = None,
) -> str:
    """Return `text` with every finding replaced by a placeholder naming what was removed."""
    if findings is None:
        findings = find_personal_data(text)
    labels = {**DEFAULT_PLACEHOLDERS, **(placeholders or {})}
    out: list[str] = []
    position = 0
    for finding in sorted(findings):
        out.append(text[position : finding.start])
        out.append(labels[finding.kind])
        position = finding.end
    out.append(text[position:])
    return "".join(out)


def segments(text: str, findings: Iterable[Finding]) -> list[tuple[str, Kind | None]]:
    """Split `text` into (piece, kind) pairs so a template can highlight findings without |safe."""
    pieces: list[tuple[str, Kind | None]] = []
    position = 0
    for finding in sorted(findings):
        if finding.start > position:
            pieces.append((text[position : finding.start], None))
        pieces.append((text[finding.start : finding.end], finding.kind))
        position = finding.end
    if position < len(text):
        pieces.append((text[position:], None))
    return pieces


def relabel(text: str, *, known: Iterable[Mapping[Kind, str]], wanted: Mapping[Kind, str]) -> str:
    """Rewrite every placeholder of any `known` language as the `wanted` language's one.

    A comment is published with the moderator's placeholders ("[name removed]"); a reader of
    the page in another language reads them in theirs ("[nombre eliminado]").
    """
    if "[" not in text:
        return text
    labels: dict[str, Kind] = {}
    for mapping in known:
        for kind, label in mapping.items():
            labels.setdefault(label, kind)
    if not labels:
        return text
    pattern = re.compile("|".join(re.escape(label) for label in sorted(labels, key=len)[::-1]))
    return pattern.sub(lambda m: wanted.get(labels[m.group()], m.group()), text)
