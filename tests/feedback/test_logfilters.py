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
