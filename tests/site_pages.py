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

# The pages a resident meets first, without URL parameters (the layout test adds the demo agency's
# page, the survey with a fresh demo code and the thank-you page, which need values).
MAIN_PUBLIC_PAGES = [
    "home",
    "agencies:directory",
    "agencies:methodology",
    "feedback:entry",
    "feedback:anonymity",
    "site:demo",
]
