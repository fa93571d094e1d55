"""The benchmark's report formatting (bench/report.py); the benchmark itself never runs in tests."""

from bench.report import PASS, SHORT, Check, Result, format_report, parse_wrk, ratio

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8000/healthz
  2 threads and 16 connections
BENCHJSON {"requests":12000,"duration_us":10000000,"p50_us":1200.0,"p99_us":9100.5,"mean_us":1400.0,"status":{"2xx":11990,"3xx":0,"4xx":0,"5xx":10},"socket_errors":{"connect":0,"read":1,"write":0,"timeout":2},"extra":{"posts_ok":300}}
"""  # noqa: E501


def test_parse_wrk_reads_rates_latencies_statuses_and_extra_counters() -> None:
    r = parse_wrk("baseline", WRK_OUTPUT)
    assert r.rps == 1200
    assert (r.p50_ms, r.p99_ms) == (1.2, 9.1005)
    assert r.errors_5xx == 10 and r.socket_errors == 3
    assert r.extra["posts_ok"] == 300


def test_checks_say_pass_or_falls_short_and_missing_values_fall_short() -> None:
    assert Check("ratio", 0.6, ">=", 0.5).verdict == PASS
    assert Check("ratio", 0.4, ">=", 0.5).verdict == SHORT
    assert Check("p99", 150, "<", 150, " ms").verdict == SHORT
    assert Check("not measured", None, "<=", 1.2).verdict == SHORT


def test_report_shows_every_scenario_with_its_ratio_and_every_target() -> None:
    base = Result("baseline", 1000, 1.0, 1.0, 2.0, 1.1, {"2xx": 1000})
    page = Result("agency cached", 600, 1.0, 2.0, 9.0, 2.5, {"2xx": 600})
    assert ratio(page, base) == 0.6
    checks = [Check("cached share", ratio(page, base), ">=", 0.5), Check("p99", 200, "<", 150)]
    text = format_report(machine="test box", results=[base, page], baseline=base, checks=checks)
    assert "Machine: test box" in text
    assert "agency cached" in text and "60.0%" in text
    assert "[   PASS    ] cached share: 0.6" in text
    assert "[FALLS SHORT] p99: 200" in text
    assert "1 OF 2 TARGETS FALL SHORT" in text
