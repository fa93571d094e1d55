"""The dispatch (CAD) import of the staff workspace: upload, columns, check, save.

Why not django-import-export (used before): a real export has its own column names, a semicolon
or tab, Windows-1252 text and tens of thousands of rows. The library wants our field names, shows
exceptions from unmapped columns as tracebacks, renders every row in its preview and saves row by
row. Here the steps are explicit and each is small:

1. upload: the file is decoded (UTF-8, UTF-8 with BOM, Windows-1252) and split (comma, semicolon,
   tab) by `feedback.cad`; its text waits in the shared cache under a random token, for this user;
2. columns: the clerk says which column is which, once; the mapping is remembered for the agency
   and the step is skipped when the next file has the same columns;
3. check: every row is checked (`cad.check_rows`); errors name the row, the column and the format
   expected; sensitive rows are listed with the reason; nothing is written;
4. save: the checked rows are written in one transaction (`services_import`), or nothing is.

Steps 3 and 4 report progress in the cache; `static/js/import_progress.js` shows it in a
`<progress>` bar while the page loads. Without JavaScript the page simply arrives when done.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, District, Officer
from agencies.roles import staff_agency
from agencies.sensitive import NATIONAL_KINDS

from . import cad
from .models import Category
from .services_import import import_lookups, service_calls_import

log = logging.getLogger(__name__)

# A dispatch export can hold callers' names and addresses in columns we never use: the upload
# waits one hour at most, and only the mapped columns are kept once the mapping is known.
UPLOAD_TTL = 3600
SHOWN_ERRORS = 200
SHOWN_SENSITIVE = 100


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Dispatch export (CSV)"),
        help_text=_(
            "Comma, semicolon or tab separated; UTF-8 or Windows-1252. Up to 100,000 calls."
        ),
    )


class ColumnsForm(forms.Form):
    """One choice per field: which column of the file holds it."""

    def __init__(self, *args, headers: tuple[str, ...], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        none = [("", gettext("— not in this file —"))]
        choices = none + [(h, h) for h in headers if h]
        for target in cad.TARGETS:
            self.fields[f"col_{target.key}"] = forms.ChoiceField(
                label=target.label,
                choices=choices,
                required=target.required,
            )
        self.fields["date_format"] = forms.ChoiceField(
            label=_("Dates are written as"),
            choices=[("", gettext("Detect from the file"))]
            + [(fmt, f"{name} ({example})") for fmt, name, example in cad.DATE_FORMATS],
            required=False,
        )
        self.fields["default_category"] = forms.ChoiceField(
            label=_("Kind of contact when the file has no such column"),
            choices=[("", "—")] + list(Category.choices),
            required=False,
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        used: dict[str, str] = {}
        for target in cad.TARGETS:
            header = cleaned.get(f"col_{target.key}")
            if not header:
                continue
            if header in used:
                self.add_error(
                    f"col_{target.key}",
                    gettext("“%(column)s” is already chosen for “%(field)s”.")
                    % {"column": header, "field": used[header]},
                )
            used[header] = str(target.label)
        if not cleaned.get("col_category") and not cleaned.get("default_category"):
            self.add_error(
                "default_category",
                gettext("Choose the column for the kind of contact, or one kind for every call."),
            )
        return cleaned

    def mapping(self) -> cad.ColumnMapping:
        data = self.cleaned_data
        return cad.ColumnMapping(
            columns={t.key: data[f"col_{t.key}"] for t in cad.TARGETS if data.get(f"col_{t.key}")},
            date_format=data.get("date_format") or "",
            default_category=data.get("default_category") or "",
        )

    @staticmethod
    def initial_for(mapping: cad.ColumnMapping) -> dict:
        initial = {f"col_{k}": v for k, v in mapping.columns.items()}
        initial["date_format"] = mapping.date_format
        initial["default_category"] = mapping.default_category
        return initial


TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _key(token: str) -> str:
    return f"cad-import:{token}"


def _progress_key(token: str) -> str:
    return f"cad-import-progress:{token}"


class ImportViews:
    """The import pages, mounted by ServiceCallAdmin.get_urls (permissions are the admin's)."""

    def __init__(self, model_admin) -> None:  # noqa: ANN001 - ServiceCallAdmin
        self.model_admin = model_admin

    def urls(self) -> list:
        wrap = self.model_admin.admin_site.admin_view
        return [
            path("import/", wrap(self.upload_view), name="feedback_servicecall_import"),
            path(
                "import/template.csv",
                wrap(self.template_view),
                name="feedback_servicecall_import_template",
            ),
            path(
                "import/<slug:token>/columns/",
                wrap(self.columns_view),
                name="feedback_servicecall_import_columns",
            ),
            path(
                "import/<slug:token>/check/",
                wrap(self.check_view),
                name="feedback_servicecall_import_check",
            ),
            path(
                "import/<slug:token>/progress/",
                wrap(self.progress_view),
                name="feedback_servicecall_import_progress",
            ),
        ]

    # --- helpers ---------------------------------------------------------------------------
    def _agency(self, request: HttpRequest) -> Agency:
        agency = staff_agency(request.user)
        if agency is None or not self.model_admin.has_add_permission(request):
            raise PermissionDenied
        return agency

    def _stored(self, request: HttpRequest, token: str) -> dict | None:
        stored = cache.get(_key(token))
        if not stored or stored.get("user") != request.user.pk:
            return None
        return stored

    def _file(self, stored: dict) -> cad.CadFile:
        return stored["file"]

    def _store(self, token: str, stored: dict) -> None:
        mapping = stored.get("mapping")
        if mapping:
            stored["file"] = cad.keep_columns(
                stored["file"], cad.ColumnMapping.from_json(mapping).columns.values()
            )
        cache.set(_key(token), stored, UPLOAD_TTL)

    def _render(
        self, request: HttpRequest, template: str, context: dict, status: int = 200
    ) -> TemplateResponse:
        agency = staff_agency(request.user)
        return TemplateResponse(
            request,
            template,
            {
                **self.model_admin.admin_site.each_context(request),
                "opts": self.model_admin.opts,
                "agency": agency,
                **context,
            },
            status=status,
        )

    def _expired(self, request: HttpRequest) -> HttpResponse:
        messages.warning(
            request, gettext("That upload is no longer available. Please upload the file again.")
        )
        return redirect("admin:feedback_servicecall_import")

    def _progress(
        self, request: HttpRequest, token: str, phase: str, total: int
    ) -> Callable[[int], None]:
        def report(done: int) -> None:
            state = {"user": request.user.pk, "phase": phase, "done": done, "total": total}
            cache.set(_progress_key(token), state, UPLOAD_TTL)

        return report

    def _valid_values(self, agency: Agency) -> dict:
        return {
            "kinds": Category.choices,
            "districts": District.objects.filter(agency=agency).values_list("name", "code"),
            "badges": Officer.objects.filter(agency=agency, active=True).values_list(
                "badge_number", "display_name"
            ),
            "national_kinds": NATIONAL_KINDS,
            "agency_lines": [
                line.strip() for line in agency.sensitive_call_types.splitlines() if line.strip()
            ],
        }

    # --- views -----------------------------------------------------------------------------
    def upload_view(self, request: HttpRequest) -> HttpResponse:
        agency = self._agency(request)
        form = UploadForm(request.POST or None, request.FILES or None)
        error = ""
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > cad.MAX_BYTES:
                    raise cad.CadFileError(
                        gettext("The file is larger than %(mb)s MB. Split it into smaller files.")
                        % {"mb": cad.MAX_BYTES // (1024 * 1024)}
                    )
                data = upload.read()
                parsed = cad.read_file(data)
            except cad.CadFileError as refusal:
                error = str(refusal)
            except Exception:  # a file we did not foresee must not show a traceback
                log.exception("dispatch import: unreadable upload")
                error = gettext(
                    "The file could not be read. Export the calls as CSV and upload it again."
                )
            else:
                token = request.POST.get("token", "")
                if not TOKEN.match(token) or cache.get(_key(token)) is not None:
                    token = secrets.token_urlsafe(16)
                stored = {"user": request.user.pk, "name": upload.name[:120], "file": parsed}
                remembered = cad.ColumnMapping.from_json(agency.cad_import_mapping)
                fits = cad.remembered_mapping_fits(parsed.headers, remembered)
                if fits:
                    stored["mapping"] = cad.guess_mapping(parsed.headers, remembered).as_json()
                self._store(token, stored)
                if fits:
                    return redirect("admin:feedback_servicecall_import_check", token=token)
                return redirect("admin:feedback_servicecall_import_columns", token=token)
            form.add_error("file", error)
        return self._render(
            request,
            "admin/feedback/servicecall_import.html",
            {
                "title": _("Import calls"),
                "form": form,
                # Chosen now, so the page can follow the check that may follow the upload.
                "token": secrets.token_urlsafe(16),
                "targets": cad.TARGETS,
                "date_formats": cad.DATE_FORMATS,
                "remembered": cad.ColumnMapping.from_json(agency.cad_import_mapping),
                **self._valid_values(agency),
            },
            status=400 if error else 200,
        )

    def template_view(self, request: HttpRequest) -> HttpResponse:
        agency = self._agency(request)
        district = District.objects.filter(agency=agency).values_list("name", flat=True).first()
        badges = list(
            Officer.objects.filter(agency=agency).values_list("badge_number", flat=True)[:2]
        )
        body = cad.template_csv(district or "", ";".join(badges))
        # A BOM, so that Excel opens the UTF-8 file with its accents intact.
        response = HttpResponse("\ufeff" + body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="calls-template.csv"'
        return response

    def columns_view(self, request: HttpRequest, token: str) -> HttpResponse:
        agency = self._agency(request)
        stored = self._stored(request, token)
        if stored is None:
            return self._expired(request)
        parsed = self._file(stored)
        remembered = cad.ColumnMapping.from_json(agency.cad_import_mapping)
        guess = cad.guess_mapping(parsed.headers, remembered)
        form = ColumnsForm(
            request.POST or None, headers=parsed.headers, initial=ColumnsForm.initial_for(guess)
        )
        if request.method == "POST" and form.is_valid():
            stored["mapping"] = form.mapping().as_json()
            self._store(token, stored)
            return redirect("admin:feedback_servicecall_import_check", token=token)
        return self._render(
            request,
            "admin/feedback/servicecall_import_columns.html",
            {
                "title": _("Import calls: which column is which"),
                "form": form,
                "file": parsed,
                "file_name": stored["name"],
                "sample": parsed.rows[:3],
                "token": token,
            },
        )

    def check_view(self, request: HttpRequest, token: str) -> HttpResponse:
        """GET: check and show what would happen. POST: check again and save, all or nothing."""
        agency = self._agency(request)
        stored = self._stored(request, token)
        if stored is None:
            return self._expired(request)
        try:
            parsed = self._file(stored)
            mapping = cad.ColumnMapping.from_json(
                stored.get("mapping") or agency.cad_import_mapping
            )
            saving = request.method == "POST"
            total = len(parsed.rows)
            lookups = import_lookups(agency=agency, references=self._references(parsed, mapping))
            result = cad.check_rows(
                parsed,
                mapping,
                lookups,
                progress=self._progress(request, token, "saving" if saving else "checking", total),
            )
            if saving and not result.errors:
                created, updated = service_calls_import(
                    agency=agency,
                    calls=result.to_write,
                    mapping=cad.ColumnMapping(
                        columns=mapping.columns,
                        date_format=result.date_format,
                        default_category=mapping.default_category,
                    ),
                    progress=self._progress(request, token, "saving", len(result.to_write)),
                )
                cache.delete_many([_key(token), _progress_key(token)])
                messages.success(
                    request,
                    gettext(
                        "Imported: %(created)s new calls, %(updated)s updated, %(unchanged)s "
                        "unchanged. %(sensitive)s are sensitive and will never get a card."
                    )
                    % {
                        "created": number_format(created, force_grouping=True),
                        "updated": number_format(updated, force_grouping=True),
                        "unchanged": number_format(result.unchanged, force_grouping=True),
                        "sensitive": number_format(len(result.sensitive), force_grouping=True),
                    },
                )
                # The calls that may get a card, ready for "Print feedback cards".
                return redirect(
                    reverse("admin:feedback_servicecall_changelist") + "?sensitive__exact=0"
                )
        except cad.CadFileError as refusal:
            messages.error(request, str(refusal))
            return redirect("admin:feedback_servicecall_import")
        except Exception:  # nothing was written (one transaction); say so, without a traceback
            log.exception("dispatch import failed")
            messages.error(
                request,
                gettext(
                    "The import failed and nothing was changed. Try again; if it fails again, "
                    "tell your administrator."
                ),
            )
            return redirect("admin:feedback_servicecall_import")
        sensitive = result.sensitive
        return self._render(
            request,
            "admin/feedback/servicecall_import_check.html",
            {
                "title": _("Import calls: check"),
                "file": parsed,
                "file_name": stored["name"],
                "mapping": [(t.label, mapping.columns.get(t.key, "")) for t in cad.TARGETS],
                "default_category": dict(Category.choices).get(mapping.default_category, ""),
                "date_format": cad.DATE_FORMAT_NAMES.get(result.date_format, ""),
                "date_hint": cad.DATE_FORMAT_NAMES.get(result.date_hint, ""),
                "result": result,
                "errors": result.errors[:SHOWN_ERRORS],
                "more_errors": max(0, len(result.errors) - SHOWN_ERRORS),
                "sensitive": sensitive[:SHOWN_SENSITIVE],
                "sensitive_count": len(sensitive),
                "more_sensitive": max(0, len(sensitive) - SHOWN_SENSITIVE),
                "eligible": len(result.calls) - len(sensitive),
                "token": token,
                "total": len(parsed.rows),
            },
            status=400 if result.errors and saving else 200,
        )

    @staticmethod
    def _references(parsed: cad.CadFile, mapping: cad.ColumnMapping) -> list[str]:
        header = mapping.columns.get("reference")
        if header not in parsed.headers:
            return []
        index = parsed.headers.index(header)
        return [row[index].strip() for row in parsed.rows if row[index].strip()]

    def progress_view(self, request: HttpRequest, token: str) -> HttpResponse:
        self._agency(request)
        state = cache.get(_progress_key(token))
        if state is None or state.get("user") != request.user.pk:
            # Not started yet (the upload is still arriving), or not this user's: say nothing.
            state = {"phase": "waiting", "done": 0, "total": 0}
        response = JsonResponse({k: state[k] for k in ("phase", "done", "total")})
        response["Cache-Control"] = "no-store"
        return response
