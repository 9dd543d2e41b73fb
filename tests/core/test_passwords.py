"""The password policy an office can live with: long enough, not the login, not what every guessing list tries
first; each refusal says why in Chinese and English and names the field, never echoing the password."""
from __future__ import annotations

import pytest

from engine.core.passwords import COMMON, MAX_LENGTH, MIN_LENGTH, check_password
from engine.core.states import InputError


def refusal(password: str, login: str = "finance.qian", field: str = "password") -> InputError:
    with pytest.raises(InputError) as e:
        check_password(password, login, field=field)
    return e.value


def test_a_long_password_of_the_clerks_own_making_is_accepted():
    check_password("Caiwu-qian-2026!", "finance.qian")
    check_password("x" * MAX_LENGTH, "finance.qian")
    check_password("二〇二六年春季督办口令", "finance.qian")  # Chinese characters count as characters


def test_nine_characters_are_too_few_and_the_message_says_how_many():
    e = refusal("Abc-12345")
    assert MIN_LENGTH == 10 and "至少 10 个字符" in e.zh and "at least 10 characters" in e.en
    assert e.field == "password" and "Abc-12345" not in e.zh + e.en


def test_the_login_itself_or_a_password_containing_it_is_refused_whatever_the_case():
    assert "账号" in refusal("finance.qian").zh
    assert "contain the login" in refusal("FINANCE.QIAN-2026").en
    assert refusal("my-finance.qian-pw", field="new").field == "new"


def test_the_common_passwords_are_refused_even_when_long_enough():
    assert len(COMMON) >= 100
    for pw in ("password123", "1qaz2wsx3edc", "qweasdzxc123", "Woaini1314", "1234567890"):
        if len(pw) >= MIN_LENGTH:
            assert "太常见" in refusal(pw).zh, pw


def test_too_long_and_nul_are_refused():
    assert "最多 256" in refusal("x" * (MAX_LENGTH + 1)).zh
    assert "NUL" in refusal("abcdefghij\x00k").en
