import logging

from feedback.logfilters import MaskCodesFilter, mask


def test_code_in_link_path_is_masked() -> None:
    assert mask('"GET /f/7KQ2-M9XD-4HPB-R HTTP/1.1" 200') == '"GET /f/[code] HTTP/1.1" 200'


def test_query_strings_are_dropped() -> None:
    assert mask("GET /feedback/thanks/?t=abc:def 200") == "GET /feedback/thanks/?[query] 200"
    assert mask("/feedback/?code=7KQ2M9XD4HPBR") == "/feedback/?[query]"


def test_other_paths_are_untouched() -> None:
    assert mask("GET /agencies/trustville/ 200") == "GET /agencies/trustville/ 200"


def test_filter_masks_message_and_arguments_of_any_logger() -> None:
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/f/ABCDEFGHJKMNP",), None
    )
    record.request = object()
    assert MaskCodesFilter().filter(record) is True
    assert record.getMessage() == "Not Found: /f/[code]"


def test_filter_masks_gunicorn_access_atoms() -> None:
    record = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, "%(r)s %(s)s", None, None
    )
    record.args = {"r": "GET /f/ABCD-EFGH-JKMN-P?x=1 HTTP/1.1", "s": "200", "U": "/f/ABCD"}
    MaskCodesFilter().filter(record)
    assert record.args["r"] == "GET /f/[code]?[query] HTTP/1.1"
    assert record.args["U"] == "/f/[code]"


def test_filter_drops_request_objects_that_carry_address_and_user_agent(rf) -> None:
    request = rf.get("/f/ABCD", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="canary")
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "boom", (), None)
    record.request = request
    MaskCodesFilter().filter(record)
    assert record.request is None


def test_token_paths_are_masked_like_codes() -> None:
    line = mask("GET /admin/invitation/MTI/cz9k1x-0a1b2c3d4e5f6a7b8c9d/ 302")
    assert line == "GET /admin/invitation/[token]/ 302"
    assert mask("GET /admin/invitation/MTI/set-password/ 200") == (
        "GET /admin/invitation/[token]/ 200"
    )
    assert mask("GET /admin/invitation/done/ 200") == "GET /admin/invitation/done/ 200"
    token = "eyJwayI6MX0:1vQx2a:Zk3v9q"
    assert mask(f"GET /stay-connected/confirm/{token}/ 200") == (
        "GET /stay-connected/confirm/[token]/ 200"
    )
    assert token not in mask(f"https://x.example/stay-connected/unsubscribe/{token}/")
    assert mask("GET /reset/MTI/abc-123/ 200") == "GET /reset/[token]/ 200"


def test_client_and_e_mail_addresses_are_masked() -> None:
    assert mask("Invalid request from ip=203.0.113.9: bad line") == (
        "Invalid request from ip=[address]: bad line"
    )
    assert mask("from [2001:db8::7]:443 and ::ffff:198.51.100.2") == (
        "from [address]:443 and [address]"
    )
    assert mask("Sent to jane.doe+news@example.org") == "Sent to [email]"
    assert mask("took 12:30:45, version 5.2.19") == "took 12:30:45, version 5.2.19"


def test_tracebacks_are_masked_too() -> None:
    try:
        raise ValueError("no user for jane@example.org at /admin/invitation/MTI/tok-en/")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "boom", (), sys.exc_info()
        )
    MaskCodesFilter().filter(record)
    text = logging.Formatter().format(record)
    assert "jane@example.org" not in text and "tok-en" not in text
    assert "[email]" in text and "/admin/invitation/[token]/" in text


def test_a_huge_hostile_line_is_cut_before_it_is_masked() -> None:
    # A 100 kB path is logged as "Not Found: ..."; masking must not work through all of it.
    line = mask("Not Found: /agencies/" + "A" * 100_000 + ":/ from jane@example.org")
    assert len(line) < 4_100
    assert line.endswith("more characters]")
