"""Every request body is bounded (DUBAN_MAX_BODY_KB, 1024 KB by default): a bigger one is answered 413 in the error
shape naming the limit, whether its Content-Length says so, lies by omission (chunked) or it comes as a form or a
multipart upload. Over real HTTP (uvicorn), since the bound counts the bytes the server actually reads."""
from __future__ import annotations

import socket

import httpx
import pytest

from api.app import create_app
from tests.support.office import PASSWORD, V1
from tests.support.servers import serving


@pytest.fixture
def server(api_site, monkeypatch):
    monkeypatch.setenv("DUBAN_MAX_BODY_KB", "64")
    with serving(create_app(api_site)) as base:
        yield base


def token(base: str) -> dict:
    r = httpx.post(f"{base}{V1}/auth/token", data={"username": "leader", "password": PASSWORD})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def refused(r: httpx.Response) -> None:
    assert r.status_code == 413, r.text
    err = r.json()["error"]
    assert err["code"] == "body_too_large" and err["details"]["max_kb"] == 64
    assert "64 KB" in err["message"]


def test_a_directive_with_a_huge_body_is_refused_naming_the_limit(server):
    big = {"definition": "directive", "subject": {"title": "x", "instruction": "很" * 70_000}}
    r = httpx.post(f"{server}{V1}/instances", json=big, headers=token(server))
    refused(r)
    assert r.json()["error"]["message"].startswith("请求体过大（上限 64 KB）")
    en = httpx.post(f"{server}{V1}/instances", json=big, headers={**token(server), "Accept-Language": "en"})
    assert en.json()["error"]["message"] == "the request body is too large (64 KB at most)"


def test_a_chunked_body_without_content_length_is_counted_as_it_streams(server):
    def chunks():
        for _ in range(100):
            yield b'{"pad": "' + b"a" * 1000 + b'"}'  # 100 KB in all, no Content-Length

    r = httpx.post(f"{server}{V1}/instances", content=chunks(), headers={**token(server),
                                                                          "Content-Type": "application/json"})
    refused(r)


def test_a_lying_small_content_length_gets_no_further(server):
    """A declared length of 10 with 100 KB behind it: the server reads 10 bytes as the body (the rest is not a
    request), so the route sees nothing big."""
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(b"POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded"
                  b"\r\nContent-Length: 10\r\n\r\n" + b"username=" + b"a" * 100_000)
        head = s.recv(200)
    assert head.startswith(b"HTTP/1.1 4")


def test_forms_and_multipart_uploads_are_bounded_too(server):
    refused(httpx.post(f"{server}{V1}/auth/token", data={"username": "leader", "password": "p" * 70_000}))
    files = {"file": ("scan.pdf", b"%PDF" + b"0" * 70_000, "application/pdf")}
    refused(httpx.post(f"{server}{V1}/auth/token", data={"username": "leader"}, files=files))
    refused(httpx.post(f"{server}/login", data={"username": "leader", "password": "p" * 70_000}))


def test_a_body_under_the_limit_still_works(server):
    r = httpx.post(f"{server}{V1}/auth/token", data={"username": "leader", "password": PASSWORD})
    assert r.status_code == 200


def test_the_openapi_document_names_the_413(api_site):
    from fastapi.testclient import TestClient

    doc = TestClient(create_app(api_site)).get(f"{V1}/openapi.json").json()
    op = doc["paths"][f"{V1}/instances"]["post"]
    assert "413" in op["responses"] and "DUBAN_MAX_BODY_KB" in op["responses"]["413"]["description"]
