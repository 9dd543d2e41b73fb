"""The directory settings (DUBAN_LDAP_*): an Active Directory mapping overrides the defaults key by key, a filter
without a place for the login or a mapping with an unknown key is refused naming its variable, and the service
account's password is never shown."""
from __future__ import annotations

import pytest

from engine.settings import LDAP_ATTRS, SettingsError, effective, ldap_attribute_map, settings


def test_an_active_directory_mapping_overrides_the_defaults_key_by_key():
    got = ldap_attribute_map("login=sAMAccountName, name=displayName, unit=department")
    assert got == {"login": "sAMAccountName", "name": "displayName", "mail": "mail", "unit": "department",
                   "unit_id": "ou", "unit_name": "description"}
    assert ldap_attribute_map(LDAP_ATTRS)["unit"] == "departmentNumber"


@pytest.mark.parametrize("variable, value, says", [
    ("DUBAN_LDAP_USER_FILTER", "(uid=zhangsan)", "{login}"),
    ("DUBAN_LDAP_USER_FILTER", "uid={login}", "parentheses"),
    ("DUBAN_LDAP_ATTRS", "phone=telephoneNumber", "phone=telephoneNumber"),
    ("DUBAN_LDAP_ATTRS", "login=uid;cn", "login=uid;cn"),
    ("DUBAN_LDAP_TIMEOUT", "0", "DUBAN_LDAP_TIMEOUT"),
])
def test_a_bad_directory_setting_is_refused_naming_its_variable(monkeypatch, variable, value, says):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as e:
        settings()
    assert variable in str(e.value) and says in str(e.value)


def test_the_service_accounts_password_is_never_shown(monkeypatch):
    monkeypatch.setenv("DUBAN_LDAP_URL", "ldaps://dc1.office.example:636")
    monkeypatch.setenv("DUBAN_LDAP_BIND_PASSWORD", "读取账号-secret")
    shown = {name: value for name, value, _ in effective()}
    assert shown["DUBAN_LDAP_BIND_PASSWORD"] == "***" and shown["DUBAN_LDAP_URL"] == "ldaps://dc1.office.example:636"
    assert shown["DUBAN_LDAP_USER_FILTER"] == "(&(objectClass=inetOrgPerson)(uid={login}))"
