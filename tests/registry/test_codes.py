"""Identifier codes: all vectors of cn-standards §6.1–§6.2, the legacy codes, check-char properties."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ggzy.kit.errors import ValidationFailed
from ggzy.registry.codes import (
    ORG_CODE_BODY_CHARS,
    USCC_AUTHORITIES,
    USCC_CHARS,
    convert_resident_id_15_to_18,
    org_code_check_char,
    registration_no_check_digit,
    resident_id_check_char,
    resident_id_info,
    uscc_check_char,
    validate_org_code,
    validate_registration_no,
    validate_resident_id,
    validate_uscc,
)

# --- 统一社会信用代码 (§6.1) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    ["91350100M000100Y43", "91110000600037341L", "91440300708461136T", "9144030071526726XG"],
)
def test_it_accepts_every_valid_uscc_vector_of_the_standard_notes(code):
    assert validate_uscc(code) == code


def test_it_rejects_the_invalid_uscc_vector_and_names_the_expected_check_char():
    with pytest.raises(ValidationFailed) as caught:
        validate_uscc("91350100M000100Y44")
    assert caught.value.code == "registry.uscc.check_char"
    assert "统一社会信用代码校验位错误：第18位应为 3" in caught.value.message
    assert caught.value.detail == {"position": 18, "expected": "3", "actual": "4"}


def test_the_embedded_org_code_of_the_gb32100_sample_is_itself_valid():
    assert validate_org_code("91350100M000100Y43"[8:17]) == "M000100Y4"


def test_it_normalizes_lowercase_full_width_and_surrounding_spaces():
    assert validate_uscc(" 91350100m000100y43\n") == "91350100M000100Y43"
    assert validate_uscc("９１３５０１００Ｍ０００１００Ｙ４３") == "91350100M000100Y43"


def test_a_uscc_of_the_wrong_length_is_refused_with_the_length_in_the_message():
    with pytest.raises(ValidationFailed) as caught:
        validate_uscc("91350100M000100Y4")
    assert caught.value.code == "registry.uscc.length"
    assert "应为18位，实际为17位" in caught.value.message


def test_an_empty_uscc_is_refused_as_empty():
    with pytest.raises(ValidationFailed) as caught:
        validate_uscc("  ")
    assert caught.value.code == "registry.uscc.length"
    assert "实际为空" in caught.value.message


@pytest.mark.parametrize("bad", ["I", "O", "S", "V", "Z", "-", "中"])
def test_a_uscc_with_a_letter_outside_the_31_character_set_names_the_position(bad):
    code = "91350100M000100Y43"
    with pytest.raises(ValidationFailed) as caught:
        validate_uscc(code[:9] + bad + code[10:])
    assert caught.value.code == "registry.uscc.illegal_char"
    assert f"第10位「{bad}」" in caught.value.message


def test_a_uscc_whose_first_char_is_no_registration_authority_is_refused():
    body = "B1350100M000100Y4"
    with pytest.raises(ValidationFailed) as caught:
        validate_uscc(body + uscc_check_char(body))
    assert caught.value.code == "registry.uscc.authority"


def test_a_uscc_whose_region_part_is_not_six_digits_is_refused():
    body = "913501A0M000100Y4"
    with pytest.raises(ValidationFailed) as caught:
        validate_uscc(body + uscc_check_char(body))
    assert caught.value.code == "registry.uscc.region"


def test_a_uscc_whose_embedded_org_code_check_is_wrong_is_refused_even_if_pos_18_matches():
    body = "91350100M000100Y5"
    with pytest.raises(ValidationFailed) as caught:
        validate_uscc(body + uscc_check_char(body))
    assert caught.value.code == "registry.uscc.org_check_char"
    assert "第17位应为 4" in caught.value.message


# --- 组织机构代码 (GB 11714) -------------------------------------------------------------------------


def test_it_accepts_the_gb11714_sample_in_its_printed_hyphenated_form():
    assert validate_org_code("D2143569-X") == "D2143569X"


def test_an_org_code_with_a_wrong_check_char_names_the_expected_one():
    with pytest.raises(ValidationFailed) as caught:
        validate_org_code("D21435691")
    assert caught.value.code == "registry.org_code.check_char"
    assert "第9位应为 X" in caught.value.message


def test_an_org_code_check_cannot_see_a_body_letter_eleven_values_away():
    # Known weakness of GB 11714's MOD 11: "1" (1) and "C" (12) weigh the same; the USCC check catches it.
    assert org_code_check_char("M000100Y") == org_code_check_char("M000C00Y")


# --- 公民身份号码 (§6.2) -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "birth", "sex"),
    [
        ("11010519491231002X", dt.date(1949, 12, 31), "female"),
        ("440524188001010014", dt.date(1880, 1, 1), "male"),
        ("11010119900307803X", dt.date(1990, 3, 7), "male"),
    ],
)
def test_it_accepts_every_valid_resident_id_vector_and_reads_birth_date_and_sex(number, birth, sex):
    info = resident_id_info(number)
    assert (info.number, info.birth_date, info.sex, info.region_code) == (number, birth, sex, number[:6])


def test_a_lowercase_x_check_char_is_accepted_and_upper_cased():
    assert validate_resident_id("11010519491231002x") == "11010519491231002X"


def test_it_rejects_the_invalid_resident_id_vector_and_names_the_expected_check_char():
    with pytest.raises(ValidationFailed) as caught:
        validate_resident_id("110105194912310021")
    assert caught.value.code == "registry.resident_id.check_char"
    assert "第18位应为 X，实际为 1" in caught.value.message


def test_a_resident_id_with_an_impossible_birth_date_is_refused_as_such():
    first17 = "11010519490230002"
    with pytest.raises(ValidationFailed) as caught:
        validate_resident_id(first17 + resident_id_check_char(first17))
    assert caught.value.code == "registry.resident_id.birth_date"
    assert "19490230" in caught.value.message


def test_a_birth_date_after_today_is_refused_when_the_caller_gives_today():
    first17 = "52010120300101001"
    number = first17 + resident_id_check_char(first17)
    assert validate_resident_id(number) == number
    with pytest.raises(ValidationFailed) as caught:
        validate_resident_id(number, today=dt.date(2026, 1, 1))
    assert caught.value.code == "registry.resident_id.birth_date"


def test_a_letter_inside_the_first_17_digits_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        validate_resident_id("1101051949123100AX")
    assert caught.value.code == "registry.resident_id.illegal_char"
    assert "第17位「A」" in caught.value.message


def test_a_15_digit_id_is_refused_unless_the_caller_accepts_legacy_numbers():
    with pytest.raises(ValidationFailed) as caught:
        validate_resident_id("110105491231002")
    assert caught.value.code == "registry.resident_id.legacy_15"


def test_a_15_digit_id_is_converted_to_its_18_digit_form_when_accepted():
    assert validate_resident_id("110105491231002", allow_15=True) == "11010519491231002X"
    assert convert_resident_id_15_to_18("440524800101001") == "440524198001010013"


def test_a_converted_15_digit_id_keeps_the_sex_of_its_sequence():
    assert resident_id_info("110105491231002", allow_15=True).sex == "female"


# --- 注册号 (GS 15-2006, ISO 7064 MOD 11,10) --------------------------------------------------------


def test_it_accepts_the_gs15_sample_registration_number():
    assert validate_registration_no("110108000000016") == "110108000000016"


@pytest.mark.parametrize(("digits", "check"), [("79462", "3"), ("00200667308", "5")])
def test_the_mod_11_10_check_digit_matches_independent_iso7064_vectors(digits, check):
    assert registration_no_check_digit(digits) == check


def test_a_registration_number_with_a_wrong_check_digit_names_the_expected_one():
    with pytest.raises(ValidationFailed) as caught:
        validate_registration_no("110108000000017")
    assert caught.value.code == "registry.registration_no.check_char"
    assert "第15位应为 6" in caught.value.message


def test_a_registration_number_with_a_letter_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        validate_registration_no("11010800000001A")
    assert caught.value.code == "registry.registration_no.illegal_char"


# --- properties -------------------------------------------------------------------------------------

uscc_bodies = st.builds(
    lambda a, b, region, org: a + b + region + org,
    st.sampled_from(sorted(USCC_AUTHORITIES)),
    st.sampled_from(USCC_CHARS),
    st.text("0123456789", min_size=6, max_size=6),
    st.text(USCC_CHARS, min_size=8, max_size=8),
)


def _uscc(body: str) -> str:
    first17 = body + org_code_check_char(body[8:16])
    return first17 + uscc_check_char(first17)


def _replace(code: str, index: int, char: str) -> str:
    return code[:index] + char + code[index + 1 :]


@given(uscc_bodies)
def test_a_uscc_built_from_any_body_with_computed_check_chars_validates(body):
    code = _uscc(body)
    assert validate_uscc(code) == code


@given(uscc_bodies, st.integers(0, 17), st.sampled_from(USCC_CHARS))
def test_changing_any_one_character_of_a_valid_uscc_invalidates_it(body, index, char):
    code = _uscc(body)
    if code[index] == char:
        return
    with pytest.raises(ValidationFailed):
        validate_uscc(_replace(code, index, char))


birth_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31))
id_bodies = st.builds(
    lambda region, birth, seq: region + birth.strftime("%Y%m%d") + seq,
    st.text("0123456789", min_size=6, max_size=6),
    birth_dates,
    st.text("0123456789", min_size=3, max_size=3),
)


@given(id_bodies)
def test_a_resident_id_with_a_computed_check_char_validates(first17):
    number = first17 + resident_id_check_char(first17)
    assert validate_resident_id(number) == number


@given(id_bodies, st.integers(0, 17), st.sampled_from("0123456789X"))
def test_changing_any_one_character_of_a_valid_resident_id_invalidates_it(first17, index, char):
    number = first17 + resident_id_check_char(first17)
    if number[index] == char:
        return
    with pytest.raises(ValidationFailed):
        validate_resident_id(_replace(number, index, char))


@given(st.text("0123456789", min_size=14, max_size=14))
def test_a_registration_number_with_a_computed_check_digit_validates(first14):
    assert validate_registration_no(first14 + registration_no_check_digit(first14))


@given(st.text("0123456789", min_size=14, max_size=14), st.integers(0, 14), st.sampled_from("0123456789"))
def test_changing_any_one_digit_of_a_valid_registration_number_invalidates_it(first14, index, digit):
    code = first14 + registration_no_check_digit(first14)
    if code[index] == digit:
        return
    with pytest.raises(ValidationFailed):
        validate_registration_no(_replace(code, index, digit))


@given(st.text(ORG_CODE_BODY_CHARS, min_size=8, max_size=8))
def test_an_org_code_with_a_computed_check_char_validates(body):
    assert validate_org_code(body + org_code_check_char(body)) == body + org_code_check_char(body)


@given(st.text("0123456789", min_size=8, max_size=8), st.integers(0, 8), st.sampled_from("0123456789"))
def test_changing_any_one_digit_of_an_all_digit_org_code_invalidates_it(body, index, digit):
    code = body + org_code_check_char(body)
    if code[index] == digit:
        return
    with pytest.raises(ValidationFailed):
        validate_org_code(_replace(code, index, digit))
