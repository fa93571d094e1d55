"""Sensitive kinds of call: the national default list, an agency's additions, and the matcher.

A call of a sensitive kind (domestic violence, a death notification, a juvenile…) never receives a
feedback code: asking the person for "feedback on your recent contact" can put them at risk or
hurt them. Dispatch systems name the same kind of call in many ways ("DV - in progress",
"DOMESTIC/FAMILY", "10-16", "Violencia doméstica"), so a kind is matched, case-insensitively, by
any of: a keyword (whole words; a trailing `*` matches any ending), a regular expression, or an
exact dispatch (CAD) code; accents are ignored. Over-matching is the safe mistake: a call wrongly held back only loses
a card; a call wrongly carded can reach a victim.

No ORM here: `Agency.sensitive_matcher()` builds a matcher from the national list plus the lines
the agency added (`Agency.sensitive_call_types`), one rule per line:

    stalking              keyword (whole words)
    juv*                  keyword prefix
    code: 415D            exact CAD code
    re: ^9\\d{2}S$         regular expression
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

CODE_PREFIX = "code:"
PATTERN_PREFIX = "re:"


@dataclass(frozen=True)
class SensitiveKind:
    key: str
    label: str
    keywords: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    cad_codes: tuple[str, ...] = ()


# CAD codes differ between agencies; those listed are common ones (10-codes, California's 5150
# psychiatric hold, frequent abbreviations). An agency adds its own with "code: …" lines.
NATIONAL_KINDS: tuple[SensitiveKind, ...] = (
    SensitiveKind(
        "domestic_violence",
        _("Domestic violence"),
        keywords=(
            "domestic*",
            "dv",
            "family violence",
            "family disturbance",
            "intimate partner",
            "spousal",
            "partner abuse",
            "violencia doméstica",
            "violencia familiar",
        ),
        cad_codes=("DV", "DOM", "10-16", "273.5", "415D"),
    ),
    SensitiveKind(
        "sexual_assault",
        _("Sexual assault"),
        keywords=(
            "sexual*",
            "sex assault",
            "sex offense",
            "sex crime",
            "rape",
            "molest*",
            "indecent exposure",
            "agresión sexual",
            "abuso sexual",
            "violación",
        ),
        cad_codes=("SA", "261", "288"),
    ),
    SensitiveKind(
        "child_abuse",
        _("Child abuse or neglect"),
        keywords=(
            "child abuse",
            "child neglect",
            "child endangerment",
            "child welfare",
            "abuso infantil",
            "maltrato infantil",
        ),
        patterns=(r"\bchild\w*\b.*\b(abus|neglect|endanger)",),
        cad_codes=("CA", "273A", "273D"),
    ),
    SensitiveKind(
        "juvenile",
        _("Juvenile"),
        keywords=("juvenile*", "juv", "runaway*", "truan*", "menor de edad", "menores"),
        cad_codes=("JUV", "601", "602"),
    ),
    SensitiveKind(
        "death",
        _("Death notification or death investigation"),
        keywords=(
            "death*",
            "dead body",
            "deceased",
            "doa",
            "next of kin",
            "notificación de fallecimiento",
            "fallecimiento",
        ),
        cad_codes=("DOA", "10-79"),
    ),
    SensitiveKind(
        "mental_health",
        _("Mental-health crisis"),
        keywords=(
            "mental*",
            "psych*",
            "behavioral health",
            "behavioural health",
            "emotionally disturbed",
            "edp",
            "crisis",
            "5150",
            "salud mental",
            "crisis de salud mental",
        ),
        cad_codes=("5150", "EDP", "10-96", "MH"),
    ),
    SensitiveKind(
        "suicide",
        _("Suicide or self-harm"),
        keywords=("suicid*", "self-harm", "self harm", "overdose", "suicidio", "autolesión"),
        cad_codes=("10-56", "SUI"),
    ),
    SensitiveKind(
        "trafficking",
        _("Human trafficking"),
        keywords=("trafficking", "human trafficking", "trata de personas", "prostitution"),
        cad_codes=("HT",),
    ),
    SensitiveKind(
        "elder_abuse",
        _("Elder or vulnerable-adult abuse"),
        keywords=("elder abuse", "vulnerable adult", "adult protective", "abuso de ancianos"),
        cad_codes=("EA", "368"),
    ),
    SensitiveKind(
        "protective_order",
        _("Protective order or stalking"),
        keywords=(
            "protective order",
            "restraining order",
            "order of protection",
            "stalking",
            "orden de protección",
        ),
        cad_codes=("273.6", "646.9"),
    ),
)


def fold(text: str) -> str:
    """Accents off, so that "violacion" and "violación" are the same word."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _keyword_regex(keyword: str) -> str:
    """Whole words, any run of spaces, hyphens, slashes or underscores between them."""
    prefix = keyword.endswith("*")
    words = re.split(r"[\s\-_/]+", fold(keyword).rstrip("*").strip())
    body = r"[\s\-_/]+".join(re.escape(w) for w in words if w)
    return rf"(?<![\w]){body}" + ("" if prefix else r"(?![\w])")


def _normal_code(code: str) -> str:
    return code.strip().casefold()


@dataclass(frozen=True)
class Rule:
    """One way of recognising a kind: `source` is "keyword", "pattern" or "code"."""

    kind_label: str
    source: str
    value: str
    agency: bool = False

    def describe(self) -> str:
        where = gettext("your agency's list") if self.agency else gettext("national list")
        if self.source == "code":
            how = gettext("CAD code “%(value)s”") % {"value": self.value}
        elif self.source == "pattern":
            how = gettext("pattern “%(value)s”") % {"value": self.value}
        else:
            how = gettext("keyword “%(value)s”") % {"value": self.value}
        return f"{self.kind_label}: {how} ({where})"


@dataclass
class SensitiveMatcher:
    """Compiled rules; `reason()` says which rule matched a call, or "" for none."""

    text_rules: list[tuple[re.Pattern[str], Rule]] = field(default_factory=list)
    code_rules: dict[str, Rule] = field(default_factory=dict)
    memo: dict[tuple[str, str, str | None], str] = field(default_factory=dict)

    def add_kind(self, kind: SensitiveKind, *, agency: bool = False) -> None:
        self.memo.clear()
        label = kind.label  # lazy: said in the language of each request
        for keyword in kind.keywords:
            rule = Rule(label, "keyword", keyword, agency)
            self.text_rules.append((re.compile(_keyword_regex(keyword), re.IGNORECASE), rule))
        for pattern in kind.patterns:
            self.text_rules.append(
                (re.compile(fold(pattern), re.IGNORECASE), Rule(label, "pattern", pattern, agency))
            )
        for code in kind.cad_codes:
            self.code_rules.setdefault(_normal_code(code), Rule(label, "code", code, agency))

    def reason(self, call_type: str = "", call_code: str = "") -> str:
        """Why a call of this type and code is sensitive ("" when it is not).

        A dispatch export repeats a few hundred types over thousands of rows: remembered.
        """
        key = (call_type, call_code, get_language())
        if key not in self.memo:
            self.memo[key] = self._reason(call_type, call_code)
        return self.memo[key]

    def _reason(self, call_type: str, call_code: str) -> str:
        code = _normal_code(call_code)
        if code and code in self.code_rules:
            return self.code_rules[code].describe()
        text = fold((call_type or "").strip())
        if not text:
            return ""
        # Many exports put the code first in the type ("10-16 DOMESTIC", "5150 - Welfare").
        lead = _normal_code(re.split(r"\s+-\s+|\s+|:|/", text, maxsplit=1)[0])
        if lead in self.code_rules:
            return self.code_rules[lead].describe()
        for regex, rule in self.text_rules:
            if regex.search(text):
                return rule.describe()
        return ""


class InvalidRule(ValueError):
    """A line of an agency's list that cannot be used (e.g. a broken regular expression)."""


def parse_agency_lines(text: str) -> SensitiveKind:
    """The agency's own lines as one extra kind; raise InvalidRule naming the first bad line."""
    keywords, patterns, codes = [], [], []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        lowered = line.casefold()
        if lowered.startswith(CODE_PREFIX):
            value = line[len(CODE_PREFIX) :].strip()
            if value:
                codes.append(value)
        elif lowered.startswith(PATTERN_PREFIX):
            value = line[len(PATTERN_PREFIX) :].strip()
            try:
                re.compile(value)
            except re.error as error:
                raise InvalidRule(
                    gettext("Line %(number)s: “%(line)s” is not a valid pattern (%(error)s).")
                    % {"number": number, "line": line, "error": error}
                ) from error
            if value:
                patterns.append(value)
        else:
            keywords.append(line)
    return SensitiveKind(
        "agency",
        _("Sensitive for your agency"),
        keywords=tuple(keywords),
        patterns=tuple(patterns),
        cad_codes=tuple(codes),
    )


def build_matcher(
    agency_lines: str = "", kinds: Iterable[SensitiveKind] = NATIONAL_KINDS
) -> SensitiveMatcher:
    """The national kinds plus the agency's lines (invalid lines are skipped, never fatal)."""
    matcher = SensitiveMatcher()
    for kind in kinds:
        matcher.add_kind(kind)
    try:
        extra = parse_agency_lines(agency_lines)
    except InvalidRule:
        # A saved list is validated by the form; never let a bad line stop the safety check,
        # so fall back to the valid lines one by one.
        lines = []
        for line in (agency_lines or "").splitlines():
            try:
                parse_agency_lines(line)
            except InvalidRule:
                continue
            lines.append(line)
        extra = parse_agency_lines("\n".join(lines))
    matcher.add_kind(extra, agency=True)
    return matcher
