"""Measure reading and checking a dispatch export in-process: no database, no HTTP.

    python bench/cad_import.py [--rows 20000]

Builds a deterministic Windows-1252, semicolon-separated export like tests/feedback's, then times
`feedback.cad.read_file` (decode, sniff, split) and `feedback.cad.check_rows` (every row against
districts, badges, kinds and the national sensitive list) and reports rows/s and peak memory
(`ru_maxrss`, which includes Django itself). Saving is measured by the slow test instead
(tests/feedback/test_admin_import.py::test_twenty_thousand_row_export, about 6 s on PostgreSQL).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openpolicing.settings")

HEADER = "Nº Incidente;Fecha/Hora;Tipo de contacto;Naturaleza;Código;Zona;Agentes\r\n"
NATURES = [
    ("SPEEDING", "TS"),
    ("BURGLARY REPORT", "BUR"),
    ("ALARM", "ALM"),
    ("Domestic violence - in progress", "DV"),
    ("Juvenile runaway", "JUV"),
    ("Notificación de fallecimiento", "NOT"),
]


def export(rows: int, seed: int = 2026) -> bytes:
    rng = random.Random(seed)
    lines = [HEADER]
    for i in range(rows):
        nature, code = rng.choice(NATURES)
        lines.append(
            f"24-{i:06d};10/{1 + i % 28:02d}/2026 14:32;Parada de tráfico;{nature};{code};"
            f"{rng.choice(['N1', 'Peñasco', ''])};{rng.choice(['101', '101|102', ''])}\r\n"
        )
    return "".join(lines).encode("cp1252")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()

    import django

    django.setup()
    from agencies.sensitive import build_matcher
    from feedback import cad
    from feedback.services_import import category_names

    data = export(args.rows)
    started = time.perf_counter()
    parsed = cad.read_file(data)
    read = time.perf_counter() - started
    mapping = cad.guess_mapping(parsed.headers)
    lookups = cad.Lookups(
        categories=category_names(),
        districts={"n1": 1, "peñasco": 2},
        officers={"101": 1, "102": 2},
        sensitive_reason=build_matcher("").reason,
    )
    started = time.perf_counter()
    result = cad.check_rows(parsed, mapping, lookups)
    checked = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.rows:,} rows, {len(data) / 1e6:.1f} MB, {len(result.errors)} errors")
    print(f"read  {read:.2f} s  ({args.rows / read:,.0f} rows/s)")
    print(
        f"check {checked:.2f} s  ({args.rows / checked:,.0f} rows/s), "
        f"{len(result.sensitive):,} sensitive"
    )
    print(f"peak memory {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
