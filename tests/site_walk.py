"""Walk the survey as a resident does, with Django's test client: for the crawl and layout tests.

The thank-you page is reached the only way a resident reaches it (its signed token is the view's
business), whatever the survey's markup: one page or several steps, any field names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.test import Client

THANKS_PATH = "/feedback/thanks/"


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str, str, bool]] = field(default_factory=list)  # name, type, value, on
    buttons: list[tuple[str, str]] = field(default_factory=list)  # name, value of submit buttons


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.current: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.current = Form(a.get("action", ""), (a.get("method") or "get").lower())
            self.forms.append(self.current)
        elif self.current and tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind == "submit":
                self.current.buttons.append((a["name"], a.get("value", "")))
            else:
                self.current.fields.append((a["name"], kind, a.get("value", ""), "checked" in a))
        elif self.current and tag == "button" and a.get("type", "submit") == "submit":
            if a.get("name"):
                self.current.buttons.append((a["name"], a.get("value", "")))
        elif self.current and tag in ("textarea", "select") and a.get("name"):
            self.current.fields.append((a["name"], tag, "", False))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None


def answers(form: Form) -> dict[str, str]:
    """Every hidden value kept, one answer to every radio group (the fourth choice when there
    is one: "agree"), checkboxes left as they are, text left empty."""
    data: dict[str, str] = {}
    radios: dict[str, list[str]] = {}
    for name, kind, value, on in form.fields:
        if kind == "radio":
            radios.setdefault(name, []).append(value)
        elif kind == "checkbox":
            if on:
                data[name] = value or "on"
        elif kind in ("hidden", "text", "search", "email", "tel", "number"):
            data.setdefault(name, value)
    for name, values in radios.items():
        data[name] = values[3] if len(values) > 3 else values[0]
    return data


def survey_form(html: str) -> Form | None:
    parser = _Forms()
    parser.feed(html)
    posts = [f for f in parser.forms if f.method == "post" and "setlang" not in f.action]
    return max(posts, key=lambda f: len(f.fields), default=None)


def thanks_url_after_submitting(client: Client, survey_path: str, steps: int = 12) -> str:
    """Answer the survey at `survey_path` (every step) and return the thank-you page's address.

    Needs a captcha that a test can pass (CAPTCHA_BACKEND="none") and FEEDBACK_MIN_SECONDS=0.
    """
    path = survey_path
    response = client.get(path)
    for _ in range(steps):
        form = survey_form(response.content.decode())
        assert form is not None, f"no survey form at {path}"
        data = answers(form)
        # The button that moves on: never one that switches the language inside the form.
        onward = [(n, v) for n, v in form.buttons if "lang" not in n]
        if onward:
            name, value = onward[-1]
            data[name] = value
        response = client.post(form.action or path, data)
        if response.status_code in (301, 302, 303):
            location = response["Location"]
            if location.startswith(THANKS_PATH):
                return location
            path = location
            response = client.get(path)
    raise AssertionError(f"the survey at {survey_path} never reached {THANKS_PATH}")
