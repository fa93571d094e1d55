"""The public site's own pages by URL name: one list for the page, weight and browser tests."""

SITE_PAGES = [
    "home",
    "site:how_it_works",
    "site:procedural_justice",
    "site:why_trust",
    "site:faq",
    "site:accessibility",
    "site:for_agencies",
    "site:subscribe",
    "site:demo",
]
