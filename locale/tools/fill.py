"""Fill Spanish msgstr entries from a JSON map {msgid: msgstr}: python locale/tools/fill.py map.json

A small maintainer tool (needs `pip install polib`); translators may equally edit the .po by hand.
"""

import json
import sys

import polib

po = polib.pofile("locale/es/LC_MESSAGES/django.po")
with open(sys.argv[1], encoding="utf-8") as handle:
    mapping = json.load(handle)
filled = 0
for entry in po:
    if entry.msgid in mapping:
        entry.msgstr = mapping[entry.msgid]
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        filled += 1
po.save()
missing = [e.msgid for e in po if not e.msgstr and not e.msgstr_plural and not e.obsolete]
print(f"filled {filled}; still untranslated: {len(missing)}")
for m in missing:
    print("  ", repr(m))
