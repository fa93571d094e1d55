"""Open data equals the Agency Page, figure for figure: the page's HTML and the files, parsed.

Every number the page prints (trust index, pillars, share satisfied, each release block of the
24-month view with its change and response rate, each kind of contact, each answer share) is
found in the files with the same value once rounded as the page rounds it, and every figure of
the files that lies in the page's view is on the page.
"""

import csv
import io
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser

import pytest
from django.utils.dateformat import format as date_format

from feedback.models import Category
from feedback.releases import releases_run
from surveys.models import Question

pytestmark = pytest.mark.django_db
PILLAR_ROWS = ("voice", "respect", "neutrality", "motives", "outcome")
TEXTS = {"big-number", "trust-card__meta", "share-positive", "item__text", "item__shares"}


class Page(HTMLParser):
    """Tables (by caption: rows of cell texts) and the text of a few classed elements, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.texts: dict[str, list[str]] = {name: [] for name in TEXTS}
        self._table: list[list[str]] | None = None
        self._caption: list[str] | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._open: list[tuple[str, str, list[str]]] = []  # (tag, class, text parts)
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag in {"svg", "thead"}:
            self._skip += 1
        if tag == "table":
            self._table = []
        elif tag == "caption":
            self._caption = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")
        elif tag == "tr" and self._table is not None and not self._skip:
            self._row = []
        elif tag in {"td", "th"} and self._row is not None:
            self._cell = []
        for name in classes:
            if name in TEXTS:
                self._open.append((tag, name, []))

    def handle_endtag(self, tag: str) -> None:
        if tag in {"svg", "thead"}:
            self._skip -= 1
        if tag == "caption" and self._caption is not None:
            self.tables[" ".join("".join(self._caption).split())] = self._table
            self._caption = None
        if tag in {"td", "th"} and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table.append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        if self._open and self._open[-1][0] == tag:
            _, name, parts = self._open.pop()
            self.texts[name].append(" ".join("".join(parts).split()))

    def handle_data(self, data: str) -> None:
        if self._caption is not None:
            self._caption.append(data)
        if self._skip:
            return
        if self._cell is not None:
            self._cell.append(data)
        for _, _, parts in self._open:
            parts.append(data)


def shown(value: str | float | None) -> str:
    """A value as the page prints it with floatformat:0 (half up), or the page's dash."""
    if value in (None, ""):
        return "—"
    text = str(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return "0" if text == "-0" else text


def interval(row: dict, low: str = "ci_low", high: str = "ci_high") -> str:
    return "—" if row[low] == "" else f"{shown(row[low])}–{shown(row[high])}"


def change(block: dict, which: str) -> str:
    """A block's change as the page words it."""
    prefix = f"change_{which}_"
    if block[prefix + "difference"] == "":
        return "—"
    bounds = f"95 % interval {shown(block[prefix + 'low'])} to {shown(block[prefix + 'high'])}"
    if block[prefix + "detectable"] == "true":
        return f"{shown(block[prefix + 'difference'])} ({bounds})"
    return f"No detectable change ({bounds})"


def table(client, name: str) -> list[dict]:
    body = client.get(f"/agencies/trustville/data/{name}.csv").content.decode()
    return list(csv.DictReader(io.StringIO(body)))


def month(text: str) -> str:
    import datetime as dt

    return date_format(dt.date(int(text[:4]), int(text[5:7]), 1), "M Y")


@pytest.fixture
def page_and_files(client, trustville):
    releases_run()
    parser = Page()
    parser.feed(
        client.get("/agencies/trustville/?trend=24", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    files = {name: table(client, name) for name in ("scores", "blocks", "distributions",
                                                     "response_rates", "questions")}  # fmt: skip
    return parser, files


def test_headline_figures_equal_the_files(page_and_files):
    page, files = page_and_files
    scores = {(r["breakdown"], r["group"], r["measure"]): r for r in files["scores"]}
    trust = scores[("all", "", "trust")]
    assert page.texts["big-number"] == [shown(trust["value"])]
    assert page.texts["trust-card__meta"] == [
        f"95 % interval {interval(trust)} · {trust['n']} people"
    ]
    sp = scores[("all", "", "share_positive")]
    expected = (f"{round(float(sp['value']))} % were satisfied or very satisfied with how they were "
                f"treated ({round(float(sp['ci_low']))}–{round(float(sp['ci_high']))} %, "
                f"{sp['n']} people)")  # fmt: skip
    assert page.texts["share-positive"] == [expected.replace("(", "(95 % interval ")]
    pillars = page.tables["Scores by pillar, 0 to 100, with 95 % intervals"]
    assert len(pillars) == len(PILLAR_ROWS)
    for row, measure in zip(pillars, PILLAR_ROWS, strict=True):
        figure = scores[("all", "", measure)]
        assert row[1:] == [shown(figure["value"]), "", interval(figure), figure["n"]], measure


CHANNEL_LABELS = {"call": "codes for a contact", "blank": "blank cards"}


def rate_cell(block_start: str, rates: dict) -> str:
    """The page's response-rate cell as the files give it: the total, then each channel."""

    def percent(rate: dict) -> str:
        if rate["responses"] in ("", None):
            return "fewer than 10 responses"
        return f"{round(int(rate['responses']) / int(rate['codes']) * 100)} %"

    parts = [percent(rates[(block_start, "all")])]
    for (start, channel), rate in sorted(rates.items()):
        if start == block_start and channel != "all" and int(rate["codes"]):
            parts.append(f"{CHANNEL_LABELS[channel]}: {percent(rate)}")
    return " ".join(parts)


def test_every_release_block_of_the_page_is_in_the_files(page_and_files):
    page, files = page_and_files
    trend = page.tables["Trust index by release block"]
    changes = {row[0]: row[1:] for row in page.tables["Change and response rate by release block"]}
    blocks = {(month(b["block_start"]), month(b["block_end"])): b for b in files["blocks"]}
    rates = {(r["block_start"], r["channel"]): r for r in files["response_rates"]}
    assert len(trend) >= 10  # Trustville: a year of monthly blocks
    assert set(changes) == {row[0] for row in trend}
    seen = set()
    for row in trend:
        first, _sep, last = row[0].partition(" – ")
        block = blocks[(first, last or first)]
        seen.add(block["block_start"])
        if block["trust"]:
            assert row[1:] == [shown(block["trust"]), interval(block), block["responses"]]
        else:
            assert row[1:] == ["Not enough responses yet", block["responses"]]
        previous, year_earlier, rate_text = changes[row[0]]
        assert previous == change(block, "previous"), row
        assert year_earlier == change(block, "year_earlier"), row
        rate = rates.get((block["block_start"], "all"))
        if rate is None or not int(rate["codes"]):
            assert rate_text == "—"
        else:
            assert rate_text == rate_cell(block["block_start"], rates), row
    # And the other way: every block of the files inside the page's 24 months is on the page.
    first_shown = min(seen)
    assert {b["block_start"] for b in files["blocks"] if b["block_start"] >= first_shown} == seen


def test_every_kind_of_contact_equals_the_files(page_and_files):
    page, files = page_and_files
    rows = page.tables["Trust index by kind of contact"]
    cells = {r["group"]: r for r in files["scores"] if r["breakdown"] == "call_category"}
    assert len(rows) == len(Category.choices) == len(cells)
    for row, (value, label) in zip(rows, Category.choices, strict=True):
        cell = cells[value]
        if cell["status"] == "shown":
            blocks = int(cell["blocks"])
            covered = (f"{blocks} block{'s' if blocks != 1 else ''} between "
                       f"{month(cell['period_start'])} and {month(cell['period_end'])}")  # fmt: skip
            assert row == [f"{label} {covered}", shown(cell["value"]), interval(cell),
                           cell["n"]], value  # fmt: skip
        elif cell["status"] == "not_in_any_block":
            assert row == [str(label), "Not enough responses in any single block yet"], value
        else:
            assert row == [str(label), "Not enough responses yet"], value
    assert {c["status"] for c in cells.values()} >= {"shown"}


def test_every_answer_share_equals_the_files(page_and_files):
    page, files = page_and_files
    by_question: dict[str, dict[int, dict]] = {}
    for r in files["distributions"]:
        by_question.setdefault(r["question"], {})[int(r["answer"])] = r
    order = [q["question"] for q in files["questions"] if q["question"] in by_question]
    assert len(page.texts["item__shares"]) == len(order) == Question.objects.count()
    for code, text, shares in zip(order, page.texts["item__text"], page.texts["item__shares"],
                                  strict=True):  # fmt: skip
        question = Question.objects.get(code=code)
        assert text.startswith(question.text_en)
        dist = by_question[code]
        printed = [part.rsplit(": ", 1)[1] for part in shares.split(" %")[:-1]]
        assert printed == [dist[v]["percent"] for v in (1, 2, 3, 4, 5, 0)], code
        assert shares.endswith(f"· {dist[1]['n']} answers")
        assert sum(int(d["percent"]) for d in dist.values()) == 100
