"""A real OpenLDAP for tests: slapd started on a free 127.0.0.1 port from a throwaway slapd.conf (mdb backend, in a
temp folder, run as the current user; no system configuration touched), loaded with the office's directory (units
办公室 and 财务部, people 张三 and 李四, a service account that is the only one allowed to search), and stopped
after. The directory can be changed while it runs (add, rename, remove a person) through ldap3 as its root.
Without slapd the tests skip, saying which packages to install."""
from __future__ import annotations

import base64
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from ldap3 import MODIFY_REPLACE, Connection, Server

from tests.support.servers import free_port

SLAPD, SLAPADD = shutil.which("slapd") or "/usr/sbin/slapd", shutil.which("slapadd") or "/usr/sbin/slapadd"
SCHEMA, MODULES = Path("/etc/ldap/schema"), Path("/usr/lib/ldap")
SUFFIX = "dc=duban,dc=test"
ROOT_DN, ROOT_PASSWORD = f"cn=root,{SUFFIX}", "root-secret"
SERVICE_DN, SERVICE_PASSWORD = f"cn=duban-reader,ou=services,{SUFFIX}", "reader-secret"
PEOPLE, UNITS = f"ou=people,{SUFFIX}", f"ou=units,{SUFFIX}"
MISSING = ("slapd is not installed: OpenLDAP directory tests need it "
           "(sudo apt-get install -y slapd ldap-utils)")

CONF = """\
include {schema}/core.schema
include {schema}/cosine.schema
include {schema}/inetorgperson.schema
pidfile {dir}/slapd.pid
argsfile {dir}/slapd.args
modulepath {modules}
moduleload back_mdb
database mdb
maxsize 10485760
suffix "{suffix}"
rootdn "{root}"
rootpw {rootpw}
directory {dir}/data
{tls}access to attrs=userPassword by anonymous auth by self read by * none
access to * by dn.exact="{service}" read by self read by * none
"""


def value(attr: str, text: str) -> str:
    """One LDIF line; non-ASCII values base64-encoded as LDIF requires."""
    return f"{attr}: {text}" if text.isascii() else f"{attr}:: {base64.b64encode(text.encode()).decode()}"


def person_ldif(uid: str, name: str, unit: str, password: str, mail: str | None = None) -> str:
    lines = [f"dn: uid={uid},{PEOPLE}", "objectClass: inetOrgPerson", value("uid", uid), value("cn", name),
             value("sn", name[:1]), value("departmentNumber", unit), value("userPassword", password)]
    if mail:
        lines.append(value("mail", mail))
    return "\n".join(lines)


def unit_ldif(ou: str, name: str) -> str:
    return "\n".join([f"dn: ou={ou},{UNITS}", "objectClass: organizationalUnit", value("ou", ou),
                      value("description", name)])


OFFICE_DIRECTORY = "\n\n".join([
    f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: duban\no: Duban test office",
    f"dn: ou=services,{SUFFIX}\nobjectClass: organizationalUnit\nou: services",
    f"dn: {SERVICE_DN}\nobjectClass: person\nobjectClass: simpleSecurityObject\ncn: duban-reader\nsn: reader\n"
    f"userPassword: {SERVICE_PASSWORD}",
    f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people",
    f"dn: {UNITS}\nobjectClass: organizationalUnit\nou: units",
    unit_ldif("office", "办公室"),
    unit_ldif("finance", "财务部"),
    person_ldif("zhangsan", "张三", "finance", "zs-密码-1", "zhangsan@office.test"),
    person_ldif("lisi", "李四", "office", "ls-pass-2", "lisi@office.test"),
    person_ldif("clerk", "目录里的督办员", "office", "directory-twin"),  # a local password account's namesake
]) + "\n"


class Slapd:
    """A running slapd; `url`, `settings()` for the DUBAN_LDAP_* variables, and changes made as its root."""

    def __init__(self, folder: Path, *, tls: bool = False):
        self.folder, self.port, self.tls_port = folder, free_port(), free_port() if tls else None
        self.url = f"ldap://127.0.0.1:{self.port}"
        self.ldaps_url = f"ldaps://127.0.0.1:{self.tls_port}" if tls else None
        (folder / "data").mkdir(parents=True)
        self.conf = folder / "slapd.conf"
        self.ca_file = make_certificates(folder) if tls else None
        tls_lines = (f"TLSCACertificateFile {self.ca_file}\nTLSCertificateFile {folder}/server.pem\n"
                     f"TLSCertificateKeyFile {folder}/server.key\n") if tls else ""
        self.conf.write_text(CONF.format(schema=SCHEMA, dir=folder, modules=MODULES, suffix=SUFFIX, root=ROOT_DN,
                                         rootpw=ROOT_PASSWORD, service=SERVICE_DN, tls=tls_lines), encoding="utf-8")
        (folder / "office.ldif").write_text(OFFICE_DIRECTORY, encoding="utf-8")
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Slapd":
        subprocess.run([SLAPADD, "-f", str(self.conf), "-l", str(self.folder / "office.ldif")], check=True,
                       capture_output=True)
        self.log = open(self.folder / "slapd.log", "wb")
        # -d 0: stay in the foreground (so the fixture owns the process) without debug output
        urls = f"{self.url}/" + (f" {self.ldaps_url}/" if self.ldaps_url else "")
        self.proc = subprocess.Popen([SLAPD, "-f", str(self.conf), "-h", urls, "-d", "0"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:  # waiting for a real server to listen, not for simulated time
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("slapd did not start: "
                                       + (self.folder / "slapd.log").read_text(errors="replace"))
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def settings(self) -> dict[str, str]:
        """The DUBAN_LDAP_* variables of a site that uses this directory."""
        return {"DUBAN_LDAP_URL": self.url, "DUBAN_LDAP_BASE_DN": PEOPLE, "DUBAN_LDAP_BIND_DN": SERVICE_DN,
                "DUBAN_LDAP_BIND_PASSWORD": SERVICE_PASSWORD, "DUBAN_LDAP_UNIT_BASE": UNITS,
                "DUBAN_LDAP_TIMEOUT": "3"}

    # ------------------------------------------------------------ changes while it runs
    def _root(self) -> Connection:
        return Connection(Server(self.url), ROOT_DN, ROOT_PASSWORD, auto_bind=True, raise_exceptions=True)

    def add_person(self, uid: str, name: str, unit: str, password: str) -> None:
        with self._root() as c:
            c.add(f"uid={uid},{PEOPLE}", ["inetOrgPerson"], {"uid": uid, "cn": name, "sn": name[:1],
                                                               "departmentNumber": unit, "userPassword": password})

    def add_unit(self, ou: str, name: str) -> None:
        with self._root() as c:
            c.add(f"ou={ou},{UNITS}", ["organizationalUnit"], {"ou": ou, "description": name})

    def rename(self, uid: str, name: str) -> None:
        with self._root() as c:
            c.modify(f"uid={uid},{PEOPLE}", {"cn": [(MODIFY_REPLACE, [name])]})

    def remove(self, uid: str) -> None:
        with self._root() as c:
            c.delete(f"uid={uid},{PEOPLE}")


def make_certificates(folder: Path) -> Path:
    """A throwaway CA and a server certificate for 127.0.0.1 signed by it (openssl); returns the CA's PEM file."""
    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Duban test CA")
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (folder / "server.ext").write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                                       "extendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "server.ext")
    return folder / "ca.pem"


def start_slapd(folder: Path, *, tls: bool = False) -> Slapd:
    """A started directory in `folder` (also on ldaps:// with a throwaway CA when `tls`), or a skip that names the
    packages to install."""
    if tls and not shutil.which("openssl"):
        pytest.skip("openssl is not installed: the directory's TLS tests need it (sudo apt-get install -y openssl)")
    if not (Path(SLAPD).exists() and Path(SLAPADD).exists() and (MODULES / "back_mdb.so").exists()
            and (SCHEMA / "inetorgperson.schema").exists()):
        pytest.skip(MISSING)
    return Slapd(folder, tls=tls).start()
