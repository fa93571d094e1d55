"""A small HTTP client for the soak and fault scripts: keeps cookies, reads the survey form
generically (hidden fields, one choice per radio group, the comment) and submits it."""

from __future__ import annotations

import contextlib
import http.client
import random
import time
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser

TRACEBACK_MARKERS = ("Traceback", "OperationalError", "InterfaceError", "ConnectionError",
                     "django.db", "redis.exceptions", "File \"/")  # fmt: skip


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str
    seconds: float

    @property
    def leaks_internals(self) -> bool:
        return any(marker in self.body for marker in TRACEBACK_MARKERS)


class _FormParser(HTMLParser):
    """Collect the forms of a page: action, hidden inputs, radio groups, textareas."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {
                "action": a.get("action", ""),
                "method": a.get("method", "get").lower(),
                "hidden": [],
                "radios": {},
                "textareas": [],
                "checkboxes": [],
            }
            self.forms.append(self._form)
        elif self._form is not None and tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind == "hidden":
                self._form["hidden"].append((a["name"], a.get("value", "")))
            elif kind == "radio":
                self._form["radios"].setdefault(a["name"], []).append(a.get("value", ""))
            elif kind == "checkbox":
                self._form["checkboxes"].append((a["name"], a.get("value", "on")))
        elif self._form is not None and tag == "textarea" and a.get("name"):
            self._form["textareas"].append(a["name"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


def survey_form(html: str) -> dict | None:
    """The POST form with radio buttons (the survey), or None."""
    parser = _FormParser()
    parser.feed(html)
    for form in parser.forms:
        if form["method"] == "post" and form["radios"]:
            return form
    return None


def fill(form: dict, rng: random.Random, comment: str | None) -> list[tuple[str, str]]:
    fields = list(form["hidden"])
    for name, options in form["radios"].items():
        fields.append((name, rng.choice(options)))
    if comment:
        fields += [(name, comment) for name in form["textareas"]]
    return fields


@dataclass
class Browser:
    """One visitor: cookies kept between requests to one server on 127.0.0.1."""

    port: int
    timeout: float = 30
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, fields: list[tuple[str, str]] | None = None
    ) -> Response:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        headers = {"Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://127.0.0.1:{self.port}"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        start = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            text = resp.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for key, value in resp.getheaders():
            if key.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return Response(resp.status, dict(resp.getheaders()), text, time.perf_counter() - start)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, fields: list[tuple[str, str]]) -> Response:
        return self.request("POST", path, fields)


@dataclass
class Submission:
    outcome: str  # accepted | refused | unavailable | error | no-form
    status: int
    responses: list[Response]
    posted: bool = False  # the outcome is the POST's answer (not the GET's)


def submit(
    port: int, entry: str, rng: random.Random, comment: str | None = None, follow: int = 3
) -> Submission:
    """GET the survey for one code (following redirects) and POST it back."""
    browser = Browser(port)
    path = entry
    responses: list[Response] = []
    resp = browser.get(path)
    responses.append(resp)
    while resp.status in (301, 302, 303) and follow:
        path = urllib.parse.urlsplit(resp.headers.get("Location", "/")).path
        resp = browser.get(path)
        responses.append(resp)
        follow -= 1
    if resp.status >= 500:
        return Submission("unavailable" if resp.status == 503 else "error", resp.status, responses)
    form = survey_form(resp.body) if resp.status == 200 else None
    if form is None:
        return Submission("no-form", resp.status, responses)
    action = form["action"] or path
    post = browser.post(action, fill(form, rng, comment))
    responses.append(post)
    if post.status in (302, 303):
        return Submission("accepted", post.status, responses, posted=True)
    if post.status == 503:
        return Submission("unavailable", post.status, responses, posted=True)
    if post.status >= 500:
        return Submission("error", post.status, responses, posted=True)
    return Submission("refused", post.status, responses, posted=True)


def safe_get(port: int, path: str) -> Response | None:
    with contextlib.suppress(OSError, http.client.HTTPException):
        return Browser(port).get(path)
    return None
