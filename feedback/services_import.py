"""Writes of the dispatch import and of the sensitive-call list: service calls in bulk, atomically."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from django.db import transaction
from django.utils import translation

from agencies.models import Agency, District, Officer

from .cad import ColumnMapping, Lookups, ParsedCall, normal_header
from .models import Category, ServiceCall

BATCH = 1000


# Spanish names a dispatch system may use besides the catalogue's own.
CATEGORY_ALIASES = {"parada de trafico": Category.TRAFFIC_STOP}


def category_names() -> dict[str, str]:
    """Every accepted way of naming a kind of contact (key, English or Spanish label) → key.

    Keys are `cad.normal_header` forms: any case, accents and punctuation ignored.
    """
    names: dict[str, str] = {normal_header(k): str(v) for k, v in CATEGORY_ALIASES.items()}
    for key, label in Category.choices:
        names[normal_header(key)] = key
        for language in ("en", "es"):
            with translation.override(language):
                names[normal_header(str(label))] = key
    return names


def _chunks(items: Sequence, size: int = BATCH) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def import_lookups(*, agency: Agency, references: Iterable[str] = ()) -> Lookups:
    """What a file's rows are checked against, for one agency, in a few queries."""
    districts: dict[str, int] = {}
    for pk, name, code in District.objects.filter(agency=agency).values_list("pk", "name", "code"):
        districts[name.casefold()] = pk
        if code:
            districts.setdefault(code.casefold(), pk)
    officers = {
        badge.casefold(): pk
        for pk, badge in Officer.objects.filter(agency=agency).values_list("pk", "badge_number")
    }
    existing: dict[str, tuple] = {}
    refs = list(dict.fromkeys(references))
    calls = ServiceCall.objects.filter(agency=agency)
    through = ServiceCall.officers.through
    for chunk in _chunks(refs, 2000):
        rows = list(
            calls.filter(reference__in=chunk).values_list(
                "pk",
                "reference",
                "occurred_on",
                "category",
                "call_type",
                "call_code",
                "district_id",
                "sensitive",
            )
        )
        crew: dict[int, list[int]] = {}
        for call_id, officer_id in through.objects.filter(
            servicecall_id__in=[r[0] for r in rows]
        ).values_list("servicecall_id", "officer_id"):
            crew.setdefault(call_id, []).append(officer_id)
        for pk, reference, *fields in rows:
            existing[reference] = (*fields, tuple(sorted(crew.get(pk, ()))))
    return Lookups(
        categories=category_names(),
        districts=districts,
        officers=officers,
        sensitive_reason=agency.sensitive_reason,
        existing=existing,
    )


@transaction.atomic
def service_calls_import(
    *,
    agency: Agency,
    calls: Sequence[ParsedCall],
    mapping: ColumnMapping | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """Create or update the agency's service calls from checked rows, all or nothing.

    Rows are matched on (agency, reference). Returns (created, updated). `mapping`, when given,
    is remembered for the agency's next file.
    """
    through = ServiceCall.officers.through
    done = 0
    created = updated = 0
    for chunk in _chunks(calls):
        existing = dict(
            ServiceCall.objects.filter(
                agency=agency, reference__in=[c.reference for c in chunk]
            ).values_list("reference", "pk")
        )
        fresh = [
            ServiceCall(
                agency=agency,
                reference=c.reference,
                occurred_on=c.occurred_on,
                category=c.category,
                call_type=c.call_type,
                call_code=c.call_code,
                district_id=c.district_id,
                sensitive=bool(c.sensitive_reason),
            )
            for c in chunk
            if c.reference not in existing
        ]
        ServiceCall.objects.bulk_create(fresh)
        changed = [
            ServiceCall(
                pk=existing[c.reference],
                occurred_on=c.occurred_on,
                category=c.category,
                call_type=c.call_type,
                call_code=c.call_code,
                district_id=c.district_id,
                sensitive=bool(c.sensitive_reason),
            )
            for c in chunk
            if c.reference in existing
        ]
        ServiceCall.objects.bulk_update(
            changed,
            ["occurred_on", "category", "call_type", "call_code", "district_id", "sensitive"],
        )
        # Primary keys by reference (not every database returns them from bulk_create).
        ids = dict(
            ServiceCall.objects.filter(
                agency=agency, reference__in=[c.reference for c in chunk]
            ).values_list("reference", "pk")
        )
        through.objects.filter(servicecall_id__in=[ids[c.reference] for c in chunk]).delete()
        through.objects.bulk_create(
            [
                through(servicecall_id=ids[c.reference], officer_id=officer_id)
                for c in chunk
                for officer_id in c.officer_ids
            ]
        )
        created += len(fresh)
        updated += len(changed)
        done += len(chunk)
        if progress is not None:
            progress(done)
    if mapping is not None:
        agency_mapping_remember(agency=agency, mapping=mapping)
    return created, updated


def agency_mapping_remember(*, agency: Agency, mapping: ColumnMapping) -> None:
    """Keep the column mapping for the agency's next file."""
    agency.cad_import_mapping = mapping.as_json()
    Agency.objects.filter(pk=agency.pk).update(cad_import_mapping=agency.cad_import_mapping)


@transaction.atomic
def service_calls_mark_sensitive(*, agency: Agency) -> int:
    """Re-read the agency's calls against its current sensitive list; return how many changed.

    A kind added to the list protects calls imported before; one removed frees them again. One
    check per distinct (call type, code), not per call.
    """
    calls = ServiceCall.objects.filter(agency=agency)
    changed = 0
    pairs = calls.order_by().values_list("call_type", "call_code").distinct()
    for call_type, call_code in pairs:
        sensitive = bool(agency.sensitive_reason(call_type, call_code))
        changed += (
            calls.filter(call_type=call_type, call_code=call_code)
            .exclude(sensitive=sensitive)
            .update(sensitive=sensitive)
        )
    return changed
