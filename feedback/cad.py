"""Reading a dispatch (CAD) export: encoding, delimiter, column mapping, dates, row checks.

Pure (no ORM): the caller passes what the rows are checked against (kinds of
contact, districts, badge numbers, the sensitive-kind matcher, existing references) and writes the
result with `feedback.services_import`. Every problem is a `RowError` or a `CadFileError` carrying a
sentence for a records clerk; nothing here lets an exception with a server path reach a page.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies import csvfiles

MAX_ROWS = 100_000
MAX_BYTES = 20 * 1024 * 1024
DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": _("comma"), ";": _("semicolon"), "\t": _("tab")}
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": _("UTF-8 with BOM"), "cp1252": "Windows-1252"}


class CadFileError(ValueError):
    """The file as a whole cannot be read; the message is for the person who uploaded it."""


@dataclass(frozen=True)
class Target:
    """A service-call field a column can be mapped to."""

    key: str
    label: str
    required: bool
    synonyms: tuple[str, ...]


TARGETS: tuple[Target, ...] = (
    Target(
        "reference",
        _("Call or incident number"),
        True,
        (
            "reference",
            "ref",
            "incident",
            "incident number",
            "incident no",
            "incident id",
            "incident nbr",
            "call number",
            "call no",
            "call id",
            "cad number",
            "cad no",
            "cad id",
            "event number",
            "event no",
            "event id",
            "case number",
            "numero",
            "numero de incidente",
            "n incidente",
            "incidente",
            "expediente",
        ),
    ),
    Target(
        "date",
        _("Date of the call"),
        True,
        (
            "date",
            "call date",
            "incident date",
            "occurred",
            "occurred on",
            "date time",
            "datetime",
            "received",
            "time received",
            "date received",
            "fecha",
            "fecha hora",
            "fecha de la llamada",
        ),
    ),
    Target(
        "category",
        _("Kind of contact"),
        False,
        ("category", "kind", "kind of contact", "contact type", "categoria", "tipo de contacto"),
    ),
    Target(
        "call_type",
        _("Call type (description)"),
        False,
        (
            "call type",
            "type",
            "nature",
            "nature of call",
            "incident type",
            "description",
            "problem",
            "call description",
            "tipo",
            "tipo de llamada",
            "naturaleza",
            "descripcion",
        ),
    ),
    Target(
        "call_code",
        _("Call type code"),
        False,
        (
            "call code",
            "type code",
            "nature code",
            "cad code",
            "code",
            "incident code",
            "call type code",
            "codigo",
            "codigo de llamada",
        ),
    ),
    Target(
        "district",
        _("District"),
        False,
        ("district", "beat", "zone", "sector", "area", "precinct", "distrito", "zona", "sector"),
    ),
    Target(
        "officers",
        _("Officers (badge numbers)"),
        False,
        (
            "officers",
            "officer",
            "badge",
            "badges",
            "badge number",
            "badge numbers",
            "primary officer",
            "units",
            "unit",
            "agente",
            "agentes",
            "placa",
            "placas",
        ),
    ),
)
TARGET_KEYS = tuple(t.key for t in TARGETS)

# (strptime format, how a clerk writes it, an example). US exports most often use MM/DD/YYYY, so
# it is tried before DD/MM/YYYY when both read every row.
DATE_FORMATS: tuple[tuple[str, str, str], ...] = (
    ("%Y-%m-%d", "YYYY-MM-DD", "2026-10-31"),
    ("%m/%d/%Y", "MM/DD/YYYY", "10/31/2026"),
    ("%d/%m/%Y", "DD/MM/YYYY", "31/10/2026"),
    ("%m-%d-%Y", "MM-DD-YYYY", "10-31-2026"),
    ("%d-%m-%Y", "DD-MM-YYYY", "31-10-2026"),
    ("%d.%m.%Y", "DD.MM.YYYY", "31.10.2026"),
    ("%Y/%m/%d", "YYYY/MM/DD", "2026/10/31"),
    ("%m/%d/%y", "MM/DD/YY", "10/31/26"),
    ("%Y%m%d", "YYYYMMDD", "20261031"),
)
DATE_FORMAT_NAMES = {fmt: name for fmt, name, _example in DATE_FORMATS}
DATE_EXAMPLES = {fmt: example for fmt, _name, example in DATE_FORMATS}
BADGE_SEPARATORS = re.compile(r"[;,|/\s]+")


def normal_header(text: str) -> str:
    """Casefolded, accents and punctuation removed: "Nº Incidente" → "n incidente"."""
    # "Nº" / "N°" (number sign) would otherwise become "no".
    text = unicodedata.normalize("NFKD", (text or "").replace("º", " ").replace("°", " "))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.casefold()).split())


# --- the file --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CadFile:
    """A decoded export: its header, its data rows (lists of cells) and how it was read."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    encoding: str
    delimiter: str

    @property
    def encoding_name(self) -> str:
        return str(ENCODING_NAMES.get(self.encoding, self.encoding))

    @property
    def delimiter_name(self) -> str:
        return str(DELIMITER_NAMES.get(self.delimiter, self.delimiter))


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding): UTF-8 with or without BOM, else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CadFileError(
            gettext("This file is saved as UTF-16. Save it as CSV UTF-8 (or plain CSV) and retry.")
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # Windows-1252 leaves five bytes undefined; a file with those is Latin-1 at heart.
        return data.decode("cp1252", errors="replace"), "cp1252"


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab: the one that splits the header and the first rows alike."""
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        header = sample.splitlines()[0] if sample else ""
        counts = {d: header.count(d) for d in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def read_file(data: bytes) -> CadFile:
    """Decode and split an uploaded export, or raise CadFileError saying what is wrong."""
    if len(data) > MAX_BYTES:
        raise CadFileError(
            gettext("The file is larger than %(mb)s MB. Split it into smaller files.")
            % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    text, encoding = decode(data)
    if not text.strip():
        raise CadFileError(gettext("The file is empty."))
    if "\x00" in text:
        raise CadFileError(
            gettext("This does not look like a CSV file. Export the calls as CSV and retry.")
        )
    delimiter = sniff_delimiter(text)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        lines = [row for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as error:
        raise CadFileError(
            gettext("The file could not be read as CSV (%(error)s).") % {"error": error}
        ) from error
    if len(lines) < 2:
        raise CadFileError(gettext("The file has a header row but no calls."))
    headers = tuple(cell.strip() for cell in lines[0])
    if len({normal_header(h) for h in headers if h}) < len([h for h in headers if h]):
        raise CadFileError(gettext("Two columns of the file have the same name."))
    if len(lines) - 1 > MAX_ROWS:
        raise CadFileError(
            gettext("The file has more than %(max)s calls. Split it into smaller files.")
            % {"max": f"{MAX_ROWS:,}"}
        )
    width = len(headers)
    rows = tuple(tuple((row + [""] * width)[:width]) for row in lines[1:])
    return CadFile(headers=headers, rows=rows, encoding=encoding, delimiter=delimiter)


def keep_columns(cad_file: CadFile, headers: Iterable[str]) -> CadFile:
    """The same file with only the named columns (the others are never read, nor kept)."""
    keep = [i for i, h in enumerate(cad_file.headers) if h in set(headers)]
    return CadFile(
        headers=tuple(cad_file.headers[i] for i in keep),
        rows=tuple(tuple(row[i] for i in keep) for row in cad_file.rows),
        encoding=cad_file.encoding,
        delimiter=cad_file.delimiter,
    )


# --- the mapping -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnMapping:
    """Which column holds which field, how dates are written, the kind when no column says."""

    columns: dict[str, str]  # target key → header as in the file
    date_format: str = ""  # "" = detect
    default_category: str = ""

    def as_json(self) -> dict:
        return {
            "columns": dict(self.columns),
            "date_format": self.date_format,
            "default_category": self.default_category,
        }

    @classmethod
    def from_json(cls, data: Mapping | None) -> ColumnMapping:
        data = data or {}
        columns = {k: v for k, v in dict(data.get("columns") or {}).items() if k in TARGET_KEYS}
        return cls(
            columns=columns,
            date_format=data.get("date_format") or "",
            default_category=data.get("default_category") or "",
        )


def guess_mapping(headers: Sequence[str], remembered: ColumnMapping | None = None) -> ColumnMapping:
    """The remembered columns that exist in this file, then columns named like a field."""
    by_normal = {normal_header(h): h for h in headers if h}
    columns: dict[str, str] = {}
    taken: set[str] = set()
    if remembered is not None:
        for key, header in remembered.columns.items():
            found = by_normal.get(normal_header(header))
            if found and found not in taken:
                columns[key] = found
                taken.add(found)
    for target in TARGETS:
        if target.key in columns:
            continue
        for name in (target.key.replace("_", " "), *target.synonyms):
            found = by_normal.get(normal_header(name))
            if found and found not in taken:
                columns[target.key] = found
                taken.add(found)
                break
    return ColumnMapping(
        columns=columns,
        date_format=remembered.date_format if remembered else "",
        default_category=remembered.default_category if remembered else "",
    )


def remembered_mapping_fits(headers: Sequence[str], remembered: ColumnMapping) -> bool:
    """True when every remembered column is in the file and the required fields are covered."""
    names = {normal_header(h) for h in headers}
    if not remembered.columns:
        return False
    if any(normal_header(h) not in names for h in remembered.columns.values()):
        return False
    return all(t.key in remembered.columns for t in TARGETS if t.required) and bool(
        "category" in remembered.columns or remembered.default_category
    )


# --- dates -----------------------------------------------------------------------------------


def _date_part(value: str) -> str:
    """ "2026-10-01T14:33", "10/01/2026 2:33 PM" → the date alone."""
    value = value.strip()
    return re.split(r"[T\s]", value, maxsplit=1)[0] if value else ""


def parse_date(value: str, fmt: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(_date_part(value), fmt).date()  # noqa: DTZ007 - a date only
    except ValueError:
        return None


def detect_date_format(values: Iterable[str], preferred: str = "") -> str:
    """The format that reads every non-empty value (the preferred one if it does), or ""."""
    sample = [v for v in values if v.strip()]
    candidates = [f for f, _n, _e in DATE_FORMATS]
    if preferred in candidates:
        candidates.remove(preferred)
        candidates.insert(0, preferred)
    best, best_count = "", -1
    for fmt in candidates:
        count = sum(1 for v in sample if parse_date(v, fmt) is not None)
        if count == len(sample):
            return fmt
        if count > best_count:
            best, best_count = fmt, count
    return best


def date_error(value: str, fmt: str) -> str:
    return gettext(
        "“%(value)s” is not a date in the format %(format)s (for example %(example)s)."
    ) % {"value": value, "format": DATE_FORMAT_NAMES[fmt], "example": DATE_EXAMPLES[fmt]}


# --- checking rows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Lookups:
    """What rows are checked against, all keyed by casefolded text."""

    categories: dict[str, str]  # any accepted name, as normal_header() gives it → category key
    districts: dict[str, int]  # name or dispatch code → district id
    officers: dict[str, int]  # badge number → officer id
    sensitive_reason: Callable[[str, str], str]
    existing: dict[str, tuple] = field(default_factory=dict)  # reference → comparable tuple


@dataclass(frozen=True)
class ParsedCall:
    row: int
    reference: str
    occurred_on: dt.date
    category: str
    call_type: str
    call_code: str
    district_id: int | None
    officer_ids: tuple[int, ...]
    sensitive_reason: str

    def comparable(self) -> tuple:
        return (
            self.occurred_on,
            self.category,
            self.call_type,
            self.call_code,
            self.district_id,
            bool(self.sensitive_reason),
            tuple(sorted(self.officer_ids)),
        )


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    value: str
    message: str


@dataclass
class CheckResult:
    calls: list[ParsedCall] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    new: int = 0
    changed: int = 0
    unchanged_references: set[str] = field(default_factory=set)
    date_format: str = ""
    # Another format that reads every date, when the chosen one does not.
    date_hint: str = ""

    @property
    def unchanged(self) -> int:
        return len(self.unchanged_references)

    @property
    def sensitive(self) -> list[ParsedCall]:
        return [c for c in self.calls if c.sensitive_reason]

    @property
    def to_write(self) -> list[ParsedCall]:
        """New and changed calls: re-importing a file writes nothing."""
        return [c for c in self.calls if c.reference not in self.unchanged_references]


MAX_LENGTHS = {"reference": 64, "call_type": 120, "call_code": 30}


def check_rows(
    cad: CadFile,
    mapping: ColumnMapping,
    lookups: Lookups,
    *,
    progress: Callable[[int], None] | None = None,
) -> CheckResult:
    """Check every row; the result lists every error (row number as in a spreadsheet)."""
    index = {h: i for i, h in enumerate(cad.headers)}
    columns = {key: index[h] for key, h in mapping.columns.items() if h in index}
    result = CheckResult()
    missing = [t for t in TARGETS if t.required and t.key not in columns]
    if "category" not in columns and not mapping.default_category:
        missing.append(next(t for t in TARGETS if t.key == "category"))
    if missing:
        for target in missing:
            result.errors.append(
                RowError(
                    1,
                    "",
                    "",
                    gettext("Choose the column for “%(field)s”.") % {"field": target.label},
                )
            )
        return result

    def cell(row: Sequence[str], key: str) -> str:
        return row[columns[key]].strip() if key in columns else ""

    fmt = mapping.date_format or detect_date_format(
        (row[columns["date"]] for row in cad.rows), preferred=""
    )
    result.date_format = fmt
    seen: dict[str, int] = {}
    for offset, row in enumerate(cad.rows):
        number = offset + 2  # the header is row 1
        if progress is not None and offset % 1000 == 0:
            progress(offset)
        errors: list[RowError] = []

        def fail(key: str, value: str, message: str) -> None:
            errors.append(RowError(number, mapping.columns.get(key, ""), value, message))  # noqa: B023

        reference = cell(row, "reference")
        if not reference:
            fail("reference", "", gettext("The call number is empty."))
        elif reference.casefold() in seen:
            fail(
                "reference",
                reference,
                gettext("The same call number is on row %(row)s.")
                % {"row": seen[reference.casefold()]},
            )
        else:
            seen[reference.casefold()] = number
        raw_date = cell(row, "date")
        occurred_on = parse_date(raw_date, fmt) if fmt else None
        if occurred_on is None:
            if not raw_date:
                fail("date", "", gettext("The date is empty."))
            elif fmt:
                fail("date", raw_date, date_error(raw_date, fmt))
            else:
                fail("date", raw_date, gettext("No date format reads this column."))
        raw_category = cell(row, "category")
        category = (
            lookups.categories.get(normal_header(raw_category)) if raw_category else None
        ) or (mapping.default_category if not raw_category else None)
        if not category:
            fail(
                "category",
                raw_category,
                gettext("Unknown kind of contact “%(value)s”.") % {"value": raw_category},
            )
        raw_district = cell(row, "district")
        district_id = lookups.districts.get(raw_district.casefold()) if raw_district else None
        if raw_district and district_id is None:
            fail(
                "district",
                raw_district,
                gettext("Unknown district “%(value)s”.") % {"value": raw_district},
            )
        raw_officers = cell(row, "officers")
        badges = [b for b in BADGE_SEPARATORS.split(raw_officers) if b]
        unknown = [b for b in badges if b.casefold() not in lookups.officers]
        if unknown:
            fail(
                "officers",
                raw_officers,
                gettext("Unknown officer badge number(s): %(badges)s.")
                % {"badges": ", ".join(unknown)},
            )
        call_type, call_code = cell(row, "call_type"), cell(row, "call_code")
        for key, value in (
            ("reference", reference),
            ("call_type", call_type),
            ("call_code", call_code),
        ):
            if len(value) > MAX_LENGTHS[key]:
                fail(
                    key,
                    value[:40] + "…",
                    gettext("Longer than %(max)s characters.") % {"max": MAX_LENGTHS[key]},
                )
        if errors:
            result.errors.extend(errors)
            continue
        call = ParsedCall(
            row=number,
            reference=reference,
            occurred_on=occurred_on,
            category=category,
            call_type=call_type,
            call_code=call_code,
            district_id=district_id,
            officer_ids=tuple(dict.fromkeys(lookups.officers[b.casefold()] for b in badges)),
            sensitive_reason=lookups.sensitive_reason(call_type, call_code),
        )
        result.calls.append(call)
        before = lookups.existing.get(reference)
        if before is None:
            result.new += 1
        elif before == call.comparable():
            result.unchanged_references.add(reference)
        else:
            result.changed += 1
    if progress is not None:
        progress(len(cad.rows))
    if fmt and any(e.column == mapping.columns.get("date") for e in result.errors):
        dates = [row[columns["date"]] for row in cad.rows if row[columns["date"]].strip()]
        other = detect_date_format(dates)
        if other and other != fmt and all(parse_date(v, other) for v in dates):
            result.date_hint = other
    return result


def template_csv(example_district: str = "North", example_badges: str = "101;102") -> str:
    """The downloadable template: the field names a file without a mapping needs, two rows."""
    return csvfiles.to_csv(
        ["reference", "date", "category", "call_type", "call_code", "district", "officers"],
        [
            [
                "CAD-2026-000123",
                "2026-10-31",
                "Traffic stop",
                "Speeding",
                "TS",
                example_district,
                example_badges,
            ],
            ["CAD-2026-000124", "2026-10-31", "Call for help", "Noise complaint", "", "", ""],
        ],
    )
