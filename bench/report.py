"""Turn load-tool output into the benchmark report: rates, latencies, ratios and PASS / FALLS SHORT.

Pure functions (no Django, no I/O) so the formatting is unit-tested in the normal suite.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

WRK_JSON_PREFIX = "BENCHJSON "

PASS = "PASS"  # noqa: S105 (a verdict, not a password)
SHORT = "FALLS SHORT"


@dataclass
class Result:
    """One scenario: how many requests, how fast, and what went wrong."""

    name: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    status: dict[str, int] = field(default_factory=dict)  # "2xx", "3xx", "4xx", "5xx"
    socket_errors: int = 0
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors_5xx(self) -> int:
        return self.status.get("5xx", 0)


@dataclass
class Check:
    """A target from issue 7: `value op threshold`, e.g. ratio >= 0.5."""

    label: str
    value: float | None
    op: str  # ">=", "<=", "<", ">"
    threshold: float
    unit: str = ""

    @property
    def passed(self) -> bool:
        if self.value is None:
            return False
        ops: dict[str, Callable[[float, float], bool]] = {
            ">=": operator.ge,
            "<=": operator.le,
            "<": operator.lt,
            ">": operator.gt,
        }
        return ops[self.op](self.value, self.threshold)

    @property
    def verdict(self) -> str:
        return PASS if self.passed else SHORT


def parse_wrk(name: str, output: str) -> Result:
    """Read the JSON line our wrk Lua scripts print in `done()`; see bench/lua/stats.lua."""
    for line in output.splitlines():
        if line.startswith(WRK_JSON_PREFIX):
            data = json.loads(line[len(WRK_JSON_PREFIX) :])
            break
    else:
        raise ValueError(f"{name}: no {WRK_JSON_PREFIX.strip()} line in wrk output:\n{output}")
    seconds = data["duration_us"] / 1e6
    status = {k: int(v) for k, v in data.get("status", {}).items() if int(v)}
    extra = {k: float(v) for k, v in data.get("extra", {}).items()}
    return Result(
        name=name,
        requests=int(data["requests"]),
        seconds=seconds,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        mean_ms=data["mean_us"] / 1000,
        status=status,
        socket_errors=int(sum(data.get("socket_errors", {}).values())),
        extra=extra,
    )


def combine(name: str, parts: list[Result]) -> Result:
    """One result from several runs of the same scenario (e.g. the baseline before and after)."""
    requests = sum(p.requests for p in parts)
    seconds = sum(p.seconds for p in parts)
    status: dict[str, int] = {}
    for p in parts:
        for k, v in p.status.items():
            status[k] = status.get(k, 0) + v

    def weighted(attr: str) -> float:
        return sum(getattr(p, attr) * p.requests for p in parts) / requests if requests else 0.0

    return Result(
        name=name,
        requests=requests,
        seconds=seconds,
        p50_ms=weighted("p50_ms"),
        p99_ms=max(p.p99_ms for p in parts),
        mean_ms=weighted("mean_ms"),
        status=status,
        socket_errors=sum(p.socket_errors for p in parts),
    )


def ratio(result: Result | None, baseline: Result | None) -> float | None:
    if result is None or baseline is None or not baseline.rps:
        return None
    return result.rps / baseline.rps


def _fmt(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def format_results(results: Iterable[Result], baseline: Result | None) -> str:
    rows = [
        f"{'scenario':<28} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'x base':>7} "
        f"{'requests':>9} {'non-2xx/3xx':>12}"
    ]
    for r in results:
        bad = sum(v for k, v in r.status.items() if k in ("4xx", "5xx")) + r.socket_errors
        rows.append(
            f"{r.name:<28} {r.rps:>9.1f} {r.p50_ms:>8.1f} {r.p99_ms:>8.1f} "
            f"{_fmt(ratio(r, baseline), '.1%'):>7} {r.requests:>9} {bad:>12}"
        )
    return "\n".join(rows)


def format_checks(checks: Iterable[Check]) -> str:
    rows = []
    for c in checks:
        shown = _fmt(c.value, ".3g")
        rows.append(
            f"[{c.verdict:^11}] {c.label}: {shown}{c.unit} (target {c.op} {c.threshold:g}{c.unit})"
        )
    return "\n".join(rows)


def format_report(
    *, machine: str, results: list[Result], baseline: Result | None, checks: list[Check]
) -> str:
    checks = list(checks)
    failed = [c for c in checks if not c.passed]
    summary = (
        f"ALL {len(checks)} TARGETS PASS"
        if not failed
        else f"{len(failed)} OF {len(checks)} TARGETS FALL SHORT"
    )
    return "\n\n".join(
        [
            f"Machine: {machine}",
            format_results(results, baseline),
            format_checks(checks),
            summary,
        ]
    )
