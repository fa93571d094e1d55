"""Layout facts measured in the page, at 390 px and 1280 px, in English and Spanish, plus axe-core.

On the main public pages (home, directory, Trustville's page, methodology, survey entry, the survey
with a fresh demo code, thank-you, anonymity, demo), with JavaScript on, and at 390 px also off,
the page's own geometry must show:
- no horizontal scroll of the page (a wide table may scroll inside its own scroller);
- no text wrapped in a column narrower than 120 px (the policy cards once wrapped one word a line);
- no two visible text blocks or controls overlapping (the Spanish "Pruebe la demostración" did);
- every touch target at least 24 × 24 px, or one of WCAG 2.2 2.5.8's exceptions: inline in a
  sentence, spaced so 24 px circles do not meet, or an equivalent control (a radio's label);
and axe-core's WCAG 2.2 AA rules find nothing. Screenshots go to $LAYOUT_SHOTS (default
artifacts/screenshots/layout/); look at them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import Client, override_settings
from django.urls import reverse

from tests.conftest import DESKTOP, PHONE, SCREENSHOTS
from tests.site_pages import MAIN_PUBLIC_PAGES
from tests.site_walk import thanks_url_after_submitting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Axe()
WCAG22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
VIEWPORTS = {"390": PHONE, "1280": DESKTOP}
LOCALES = {"en": "en-US", "es": "es-ES"}
SHOTS = Path(os.environ.get("LAYOUT_SHOTS", SCREENSHOTS / "layout"))
MIN_COLUMN = 120  # px: narrower, a sentence wraps every word or two
MIN_TARGET = 24  # px: WCAG 2.2 2.5.8 Target Size (Minimum)
OVERLAP = 2  # px in both directions: less is antialiasing or a shared border

# Runs in the page; returns a list of readable problems. Pure geometry, no page-specific selectors.
LAYOUT_FACTS = """
({minColumn, minTarget, overlap}) => {
  const problems = [];
  const describe = (e) => {
    let s = e.tagName.toLowerCase();
    if (e.id) s += '#' + e.id;
    if (e.classList.length) s += '.' + [...e.classList].join('.');
    const text = (e.innerText || e.value || e.getAttribute('aria-label') || '').trim().replace(/\\s+/g, ' ');
    return text ? `${s} "${text.slice(0, 40)}"` : s;
  };
  const hidden = (e) => {
    // content-visibility (a closed <details>), display, visibility and opacity of every ancestor
    if (!e.checkVisibility({contentVisibilityAuto: true, opacityProperty: true, visibilityProperty: true})) return true;
    for (let a = e; a && a !== document.documentElement; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.display === 'none' || s.visibility === 'hidden' || s.opacity === '0') return true;
      const r = a.getBoundingClientRect();
      // the visually-hidden pattern: absolutely positioned and clipped to a pixel or nothing
      if (s.position === 'absolute' && (s.clip !== 'auto' || s.clipPath !== 'none') && r.width <= 2) return true;
    }
    const r = e.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) return true;
    // moved off the page until focused (the skip link)
    return r.bottom + scrollY <= 0 || r.right + scrollX <= 0;
  };
  const inScroller = (e) => {
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden' || o === 'clip') return true;
    }
    return false;
  };
  const inSvg = (e) => !!e.closest('svg');

  // 1. no horizontal scroll
  const vw = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > vw + 1) {
    const wide = [...document.body.querySelectorAll('*')]
      .filter((e) => !hidden(e) && !inScroller(e) && !inSvg(e) && e.getBoundingClientRect().right > vw + 1)
      .slice(-3).map(describe);
    problems.push(`horizontal scroll: ${document.documentElement.scrollWidth}px of content in a ${vw}px viewport (${wide.join('; ')})`);
  }

  // 2. no text column under minColumn px
  const blockOf = (e) => {
    for (let a = e; a; a = a.parentElement) {
      if (!getComputedStyle(a).display.startsWith('inline') && getComputedStyle(a).display !== 'contents') return a;
    }
    return document.body;
  };
  const narrow = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    const words = t.data.trim().split(/\\s+/).filter((w) => /\\p{L}/u.test(w));
    const el = t.parentElement;
    // A data table's columns take the width their content needs and the table scrolls on its own:
    // they are not text columns.
    if (words.length < 3 || !el || el.closest('script, style, svg, noscript, template, th, td') || hidden(el)) continue;
    const block = blockOf(el);
    const s = getComputedStyle(block);
    const width = block.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
    // Squeezed means wrapped: a short label that fits on one line in a narrow box is fine.
    const range = document.createRange();
    range.selectNodeContents(t);
    const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
    if (width < minColumn && lines > 1 && !narrow.has(block)) {
      narrow.add(block);
      problems.push(`text column ${Math.round(width)}px wide, ${lines} lines: ${describe(block)}`);
    }
  }

  // 3. no overlapping text blocks or controls
  const boxes = [];
  const blockSelector = 'h1,h2,h3,h4,h5,h6,p,li,dt,dd,td,th,caption,figcaption,legend,label,blockquote,' +
    'a[href],button,input:not([type=hidden]),select,textarea,summary';
  const interactive = 'a[href],button,input,select,textarea,summary';
  // A transformed (tilted) illustration has bounding boxes larger than what it draws, by the
  // rotation: its boxes are left out of this check.
  const transformed = (e) => {
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).transform !== 'none') return a;
    }
    return null;
  };
  for (const e of document.body.querySelectorAll(blockSelector)) {
    if (hidden(e) || inSvg(e)) continue;
    if (!e.matches(interactive) && !e.innerText.trim()) continue;  // an empty box hides nothing
    if (transformed(e)) continue;
    for (const r of e.getClientRects()) {
      if (r.width >= 1 && r.height >= 1) boxes.push({e, top: r.top + scrollY, bottom: r.bottom + scrollY, left: r.left, right: r.right});
    }
  }
  boxes.sort((a, b) => a.top - b.top);
  const overlaps = new Set();
  for (let i = 0; i < boxes.length; i++) {
    const a = boxes[i];
    for (let j = i + 1; j < boxes.length && boxes[j].top < a.bottom - overlap; j++) {
      const b = boxes[j];
      if (a.e === b.e || a.e.contains(b.e) || b.e.contains(a.e)) continue;
      const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      const key = describe(a.e) + ' ⟷ ' + describe(b.e);
      if (x > overlap && y > overlap && !overlaps.has(key)) {
        overlaps.add(key);
        problems.push(`overlap ${Math.round(x)}×${Math.round(y)}px: ${key}`);
      }
    }
  }

  // 4. touch targets at least minTarget × minTarget px, or a 2.5.8 exception
  const targetSelector = 'a[href],button,input:not([type=hidden]),select,textarea,summary,[role=button],[tabindex]:not([tabindex="-1"])';
  const targets = [...document.body.querySelectorAll(targetSelector)].filter((e) => !hidden(e) && !inSvg(e));
  const rectOf = (e) => e.getBoundingClientRect();
  const inlineInText = (e) => {
    if (!getComputedStyle(e).display.startsWith('inline') || e.matches('button,input,select,textarea')) return false;
    const block = blockOf(e);
    return block.innerText.trim().length > e.innerText.trim().length + 1;
  };
  const equivalentLabel = (e) => {
    if (!e.matches('input[type=radio],input[type=checkbox]')) return false;
    const labels = [...(e.labels || [])];
    return labels.some((l) => { const r = rectOf(l); return r.width >= minTarget && r.height >= minTarget; });
  };
  const small = targets.filter((e) => {
    const r = rectOf(e);
    return (r.width < minTarget || r.height < minTarget) && !inlineInText(e) && !equivalentLabel(e);
  });
  const centre = (r) => [(r.left + r.right) / 2, (r.top + r.bottom) / 2];
  for (const e of small) {
    const [cx, cy] = centre(rectOf(e));
    const crowded = targets.find((o) => {
      if (o === e || o.contains(e) || e.contains(o)) return false;
      const r = rectOf(o);
      if (small.includes(o)) {
        const [ox, oy] = centre(r);
        return Math.hypot(cx - ox, cy - oy) < minTarget;
      }
      const dx = Math.max(r.left - cx, 0, cx - r.right);
      const dy = Math.max(r.top - cy, 0, cy - r.bottom);
      return Math.hypot(dx, dy) < minTarget / 2;
    });
    if (crowded) {
      const r = rectOf(e);
      problems.push(`touch target ${Math.round(r.width)}×${Math.round(r.height)}px, too close to ${describe(crowded)}: ${describe(e)}`);
    }
  }
  return problems;
}
"""


def layout_problems(page: object) -> list[str]:
    return page.evaluate(
        LAYOUT_FACTS, {"minColumn": MIN_COLUMN, "minTarget": MIN_TARGET, "overlap": OVERLAP}
    )


def axe_problems(page: object) -> list[str]:
    results = AXE.run(page, options={"runOnly": {"type": "tag", "values": WCAG22_AA}})
    return [
        f"axe {v['id']} ({v['impact']}): {v['help']} — {', '.join(str(n['target']) for n in v['nodes'][:3])}"
        for v in results.response["violations"]
    ]


def main_pages(trustville: object, language: str) -> dict[str, str]:
    """The main public pages by a short name: paths, with a fresh demo code for the survey and
    the thank-you page reached by answering another one."""
    from feedback.services_demo import feedback_code_issue_demo

    pages = {name.split(":")[-1]: reverse(name) for name in MAIN_PUBLIC_PAGES}
    pages["trustville"] = trustville.get_absolute_url()
    code = feedback_code_issue_demo(agency=trustville)
    pages["survey"] = reverse("feedback:survey", kwargs={"raw_code": code})
    answered = reverse(
        "feedback:survey", kwargs={"raw_code": feedback_code_issue_demo(agency=trustville)}
    )
    with override_settings(CAPTCHA_BACKEND="none", FEEDBACK_MIN_SECONDS=0):
        pages["thanks"] = thanks_url_after_submitting(
            Client(HTTP_ACCEPT_LANGUAGE=language), answered
        )
    return pages


# Both widths with JavaScript, and the phone without it (every core task works without it; the
# measurements and axe run from Playwright, not from the page's scripts).
MODES = [("390", True), ("1280", True), ("390", False)]


@pytest.mark.parametrize(("width", "javascript"), MODES, ids=["390", "1280", "390-nojs"])
@pytest.mark.parametrize("lang", LOCALES)
def test_main_pages_hold_their_layout_and_pass_axe(
    live_server: object,
    browser_page: Callable[..., object],
    trustville: object,
    lang: str,
    width: str,
    javascript: bool,
) -> None:
    page = browser_page(viewport=VIEWPORTS[width], locale=LOCALES[lang], javascript=javascript)
    mode = width if javascript else f"{width}-nojs"
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for name, path in main_pages(trustville, lang).items():
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        assert page.locator("html").get_attribute("lang") == lang, path
        page.screenshot(path=str(SHOTS / f"{name}-{mode}-{lang}.png"), full_page=True)
        # axe-core waits on timers, which never fire with scripts off: it runs on the pages with
        # JavaScript, and the geometry (synchronous) runs on both.
        found = layout_problems(page) + (axe_problems(page) if javascript else [])
        problems += [f"{name} {mode} {lang} ({path}): {p}" for p in found]
    assert problems == [], "\n".join([f"{len(problems)} layout problems:", *problems])


# --- The measurements catch what they are for: crafted pages with each defect put back ---------

CLEAN = """<!doctype html><html lang="en"><head><meta name="viewport" content="width=device-width">
<style>body{margin:0;font:16px/1.5 sans-serif} main{padding:16px} .cards{display:flex;gap:16px}
.card{flex:1 1 0} button{min-height:44px;padding:0 16px}</style></head><body><main>
<h1>Where to start</h1><p>Read <a href="/faq/">the questions</a> people ask most often.</p>
<div class="cards"><p class="card">Give feedback about a recent contact with police.</p>
<p class="card">See how people rate their contacts with an agency.</p></div>
<button type="button">Try the demo</button></main></body></html>"""

DEFECTS = [  # (what the measurement reports, the defect put back)
    (
        "horizontal scroll",
        "<div style='width:900px'>A very wide box of text that will not wrap</div>",
    ),
    (
        "text column",
        "<div style='display:flex'><p style='width:60px'>Pruebe la demostración ahora</p><p>x</p></div>",
    ),
    (
        "text column",
        "<ul style='display:flex'><li style='width:100px'>Ni de acuerdo ni en desacuerdo</li></ul>",
    ),
    ("overlap", "<p style='margin-top:-40px'>Pruebe la demostración ahora mismo</p>"),
    (
        "touch target",
        "<p><a href='/a/' style='font-size:10px'>A</a><a href='/b/' style='font-size:10px'>B</a></p>",
    ),
]


@pytest.mark.parametrize(
    ("kind", "defect"), DEFECTS, ids=[f"{k}-{i}" for i, (k, _) in enumerate(DEFECTS)]
)
def test_each_layout_fact_catches_its_defect(
    browser_page: Callable[..., object], kind: str, defect: str
) -> None:
    page = browser_page(viewport=PHONE)
    page.set_content(CLEAN)
    assert layout_problems(page) == []
    page.set_content(CLEAN.replace("</main>", defect + "</main>"))
    found = layout_problems(page)
    assert any(problem.startswith(kind) for problem in found), found


def test_inline_links_in_a_sentence_and_labelled_radios_are_exceptions(
    browser_page: Callable[..., object],
) -> None:
    page = browser_page(viewport=PHONE)
    extra = (
        "<p style='font-size:12px'>Small print with <a href='/x/'>one link</a> and "
        "<a href='/y/'>another</a> in it.</p><fieldset><legend>Voice</legend>"
        "<label style='display:block;padding:12px 0'><input type='radio' name='q'> Agree</label>"
        "<label style='display:block;padding:12px 0'><input type='radio' name='q'> Disagree</label>"
        "</fieldset>"
    )
    page.set_content(CLEAN.replace("</main>", extra + "</main>"))
    assert layout_problems(page) == []


def test_closed_details_and_a_tilted_card_are_not_overlaps(
    browser_page: Callable[..., object],
) -> None:
    page = browser_page(viewport=PHONE)
    extra = (
        "<details><summary>About you (optional)</summary><p>Three questions about you.</p>"
        "<label><input type='radio' name='age'> Under 25</label></details>"
        "<div style='transform:rotate(-1.5deg);width:320px'><p style='margin:0'>YOUR POLICE"
        " DEPARTMENT</p><p style='margin:0;font-size:22px'>How did we treat you?</p></div>"
        "<p>Open Policing is open-source software for anonymous feedback.</p>"
    )
    page.set_content(CLEAN.replace("</main>", extra + "</main>"))
    assert layout_problems(page) == []


def test_axe_runs_offline_and_finds_a_missing_label(browser_page: Callable[..., object]) -> None:
    page = browser_page(viewport=PHONE)
    page.set_content(CLEAN.replace("</main>", "<input type='text' name='code'></main>"))
    assert any("label" in problem for problem in axe_problems(page))
