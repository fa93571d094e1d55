import pytest

from feedback.codes import ALPHABET, CODE_LENGTH, code_digest, generate_code, normalize_code


def test_generated_code_has_65_bits_in_printable_groups() -> None:
    code = generate_code()
    assert len(code.replace("-", "")) == CODE_LENGTH
    assert CODE_LENGTH * 5 >= 60 and len(ALPHABET) == 32
    assert [len(g) for g in code.split("-")] == [4, 4, 4, 1]


def test_generated_codes_differ() -> None:
    assert len({generate_code() for _ in range(200)}) == 200


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("abcd-efgh-jkmn-p", "ABCDEFGHJKMNP"),
        (" ABCD EFGH JKMN P ", "ABCDEFGHJKMNP"),
        ("0O0O-1I1L-2222-3", "0000111122223"),
        ("abcd_efgh.jkmn-p", "ABCDEFGHJKMNP"),
    ],
)
def test_normalisation_folds_case_separators_and_lookalikes(typed: str, expected: str) -> None:
    assert normalize_code(typed) == expected


@pytest.mark.parametrize("typed", ["", "ABC", "ABCD-EFGH-JKMN-PQ", "ABCD-EFGH-JKMN-U", "x" * 500])
def test_normalisation_rejects_what_cannot_be_a_code(typed: str) -> None:
    assert normalize_code(typed) is None


def test_digest_is_keyed(settings) -> None:
    first = code_digest("ABCDEFGHJKMNP")
    settings.FEEDBACK_CODE_KEY = b"another-key"
    assert code_digest("ABCDEFGHJKMNP") != first
    assert len(first) == 64
