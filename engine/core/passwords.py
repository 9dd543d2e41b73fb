"""The password policy, pure: at least MIN_LENGTH characters, at most MAX_LENGTH, not the login, not containing
it, not one of the common passwords that every guessing list starts with. `check_password` raises InputError
naming the field, in Chinese and English; it never echoes the password."""
from __future__ import annotations

from engine.core.states import InputError

MIN_LENGTH = 10
MAX_LENGTH = 256

# The most common passwords of the public leak lists (Chinese and international), lower-cased; only those of
# MIN_LENGTH or more matter here, the shorter ones fail on length anyway but are kept for completeness.
COMMON = frozenset("""
123456 123456789 12345678 password qwerty123 qwerty 1234567890 1234567 111111 123123 abc123 password1 1234
iloveyou 000000 a123456 123321 654321 666666 888888 woaini1314 5201314 1314520 woaini qq123456 aa123456
123456789a a123456789 1qaz2wsx qwertyuiop qwerty12345 1q2w3e4r 1q2w3e4r5t 1q2w3e4r5t6y zxcvbnm asdfghjkl
asdfghjkl123 zxcvbnm123 passw0rd p@ssw0rd p@ssword password123 password12 password1234 admin admin123
admin1234 admin12345 administrator root123456 letmein welcome welcome123 welcome1234 monkey dragon
football baseball sunshine princess master superman iloveyou1 trustno1 whatever starwars 11111111 1111111111
0000000000 00000000 12341234 123123123 1234512345 9876543210 0987654321 1122334455 1234567890a abcd1234
abcdefg123 abc123456 abc1234567 qazwsxedc qazwsxedc123 1qaz2wsx3edc zaq12wsx 147258369 159357 159753
741852963 963852741 88888888 8888888888 66666666 6666666666 11223344 12344321 1234554321 521521521
woaini520 woaini123 wangyang123 zhang123456 li123456 qwe123456 qweasdzxc qweasdzxc123 changeme
changeme123 default123 test123456 testtest guest12345 letmein123 welcome2024 welcome2025 welcome2026
password2024 password2025 password2026 duban123456 duban-demo
""".split())


def check_password(password: str, login: str, *, field: str = "password") -> None:
    """Refuse a password that the policy does not allow (InputError on `field`), else return."""
    if len(password) < MIN_LENGTH:
        raise InputError(field, f"密码至少 {MIN_LENGTH} 个字符", f"a password has at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise InputError(field, f"密码最多 {MAX_LENGTH} 个字符", f"a password has at most {MAX_LENGTH} characters")
    if "\x00" in password:
        raise InputError(field, "密码不能含有空字符", "a password cannot contain a NUL character")
    lowered, who = password.lower(), login.lower()
    if who and who in lowered:
        raise InputError(field, "密码不能是账号，也不能包含账号", "a password may not be or contain the login")
    if lowered in COMMON:
        raise InputError(field, "这个密码太常见，容易被猜中，请换一个", "this password is too common and easy to guess; choose another")
