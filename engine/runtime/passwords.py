"""The one password hasher (argon2): the API's sign-in, the administrator's password reset, a person's own change
and the `duban user` commands all hash and verify here, so that there is a single hashing scheme."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_DUMMY = _hasher.hash("duban: a password nobody has")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if the password matches; an unknown account costs the same time as a wrong password."""
    try:
        return _hasher.verify(password_hash or _DUMMY, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
