"""What the agency can read: every public page and file the site serves for an agency, parsed.

The harvest starts at the agency's page, the directory, the methodology page and the national
open-data package, follows every same-site link to a page or file about the agency or about all
agencies, and also asks for the addresses older versions of the site served (an agency would).
Nothing here reads the database: an attack sees only what a browser could fetch.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

from django.test import Client

# Addresses earlier versions served; a careful adversary asks for them too.
LEGACY = ("responses.csv", "responses.json", "aggregates.csv")
CSRF = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"href", "action"} and value:
                self.links.append(value)


def links_of(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.links


@dataclass
class Public:
    """Every fetched address with its body (and headers), and the tables parsed from files."""

    bodies: dict[str, bytes] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    tables: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # CSV address -> rows
    documents: dict[str, object] = field(default_factory=dict)  # JSON address -> object

    def rows_with_answers(self) -> list[dict[str, str]]:
        """Every row of every file that carries one person's answers (columns q_...)."""
        out = []
        for rows in self.tables.values():
            if rows and any(c.startswith("q_") for c in rows[0]):
                out.extend(rows)
        for doc in self.documents.values():
            for value in doc.values() if isinstance(doc, dict) else []:
                if (
                    isinstance(value, list)
                    and value
                    and isinstance(value[0], dict)
                    and any(str(c).startswith("q_") for c in value[0])
                ):
                    out.extend({k: "" if v is None else str(v) for k, v in r.items()}
                               for r in value)  # fmt: skip
        return out

    def table(self, suffix: str) -> list[dict[str, str]]:
        """The rows of the CSV file whose address ends with `suffix` ([] when not served)."""
        for address, rows in self.tables.items():
            if address.endswith(suffix):
                return rows
        return []


def _wanted(path: str, slug: str) -> bool:
    if not path.startswith("/") or path.startswith("//"):
        return False
    path = path.split("#")[0]
    if path.startswith(("/static/", "/admin/", "/f/", "/demo/try")):
        return False
    return path.startswith(
        (f"/agencies/{slug}/", "/open-data/", "/methodology/", "/anonymity/")
    ) or path in {"/", "/agencies/"}


def harvest(client: Client, slug: str, *, language: str = "en") -> Public:
    """Fetch everything public about one agency (and the national files), breadth first."""
    public = Public()
    queue = [
        "/",
        "/agencies/",
        f"/agencies/{slug}/",
        f"/agencies/{slug}/?trend=24",
        "/methodology/",
        "/open-data/datapackage.json",
        *(f"/agencies/{slug}/data/{name}" for name in LEGACY),
        *(f"/open-data/{name}" for name in LEGACY),
    ]
    seen: set[str] = set()
    while queue:
        address = queue.pop(0).split("#")[0]
        if address in seen or len(seen) > 200:
            continue
        seen.add(address)
        response = client.get(address, HTTP_ACCEPT_LANGUAGE=language)
        if response.status_code != 200:
            continue
        body = b"".join(response.streaming_content) if response.streaming else response.content
        public.bodies[address] = CSRF.sub(rb"\1-\2", body)
        public.headers[address] = {
            k: v for k, v in response.headers.items() if k in {"ETag", "Last-Modified"}
        }
        kind = response.get("Content-Type", "")
        if kind.startswith("text/html"):
            links = (urljoin(address, link) for link in links_of(body.decode()))
            queue += [link for link in links if _wanted(link, slug)]
        elif kind.startswith("text/csv"):
            public.tables[address] = list(csv.DictReader(io.StringIO(body.decode())))
        elif kind.startswith("application/json"):
            doc = json.loads(body)
            public.documents[address] = doc
            base = address.rsplit("/", 1)[0]
            for resource in doc.get("resources", []) if isinstance(doc, dict) else []:
                queue.append(f"{base}/{resource['path']}")
            if isinstance(doc, dict) and isinstance(doc.get("json"), str):
                queue.append(f"{base}/{doc['json']}")
    return public
