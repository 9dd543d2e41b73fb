"""The demo office as tests drive it: its people's one (cheaply hashed) password, `Office` acting as people on a site
in-process, and `Api` doing the same over HTTP."""
from __future__ import annotations

from datetime import datetime, timedelta

from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from engine.reads import items as queries

PASSWORD = "s3cret-demo"
CHEAP_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
V1 = "/api/v1"
DIRECTIVE = {"title": "落实安全生产大检查", "instruction": "请财务部牵头，人力资源部配合。", "leader": "leader",
             "lead_unit": "finance", "co_units": ["hr"], "due": "2026-03-20"}
CONFIDENTIAL_DOC = {"title": "关于人事调整的通知（涉密）", "sender": "市委组织部", "doc_number": "组通〔2026〕7号",
                    "received_on": "2026-03-02", "due": "2026-03-16", "urgency": "urgent", "confidential": True}


class Office:
    """Drives a site the way the office does: people take actions on the tasks in front of them."""

    def __init__(self, site, clock):
        self.site, self.clock, self.q = site, clock, queries

    def issue_directive(self, by="leader", **subject):
        subject = {"title": "落实安全生产大检查", "instruction": "请财务部牵头，人力资源部、信息技术部配合。",
                   "leader": "leader", "lead_unit": "finance", "co_units": ["hr", "it"], "due": "2026-03-20",
                   **subject}
        return self.site.start("directive", subject, by)

    def task(self, item, step, *, on=None, kind="work"):
        """The open task of a step, held `on` a unit code or a person's login."""
        unit = on if on in self.site.org.units else None
        person = on if on and not unit else None
        return self.q.open_task_for(self.site, item, step, unit=unit, person=person, kind=kind)

    def do(self, who, item, step, action, *, on=None, kind="work", **data):
        return self.site.act(self.task(item, step, on=on, kind=kind), action, who, data)

    def view(self, item, lang="zh"):
        return self.q.item_view(self.site, item, None, lang)

    def tasks(self, item, step=None):
        return [t for t in self.view(item)["tasks"] if step is None or t["step"] == step]

    def timeline(self, item):
        return [e["text"] for e in self.view(item)["timeline"]]

    def kinds(self, item):
        return [e["kind"] for e in self.view(item)["timeline"]]

    def register_and_assign(self, item, **choice):
        self.do("clerk", item, "register", "submit")
        v = self.view(item)["tasks"][-1]
        prefill = v["data"].get("prefill", {})
        self.do("office", item, "assign", "assign", **{**prefill, **choice})

    def advance(self, **kw) -> datetime:
        return self.clock.advance(timedelta(**kw))


class Api:
    """HTTP as the office uses it: sign in as someone, then GET/POST under /api/v1."""

    def __init__(self, client: TestClient):
        self.client = client
        self.tokens: dict[str, str] = {}

    def token(self, who: str) -> str:
        if who not in self.tokens:
            r = self.client.post(f"{V1}/auth/token", data={"username": who, "password": PASSWORD})
            assert r.status_code == 200, r.text
            self.tokens[who] = r.json()["access_token"]
        return self.tokens[who]

    def headers(self, who: str | None, **extra: str) -> dict:
        return ({"Authorization": f"Bearer {self.token(who)}"} if who else {}) | extra

    def request(self, method: str, path: str, who: str | None = None, *, headers: dict | None = None, **kw):
        return self.client.request(method, V1 + path, headers=self.headers(who) | (headers or {}), **kw)

    def get(self, path: str, who: str | None = None, **kw):
        return self.request("GET", path, who, **kw)

    def post(self, path: str, who: str | None = None, **kw):
        return self.request("POST", path, who, **kw)

    def ok(self, method: str, path: str, who: str | None = None, status: int = 200, **kw) -> dict:
        r = self.request(method, path, who, **kw)
        assert r.status_code == status, r.text
        return r.json()

    # -------------------------------------------------------------- driving items
    def start(self, who: str, definition: str = "directive", **subject) -> dict:
        base = DIRECTIVE if definition == "directive" else CONFIDENTIAL_DOC
        return self.ok("POST", "/instances", who, 201, json={"definition": definition, "subject": {**base, **subject}})

    def task(self, who: str, item_id: int, step: str, *, kind: str = "work", holder: dict | None = None) -> dict:
        """The open task of a step in the item, as `who` sees it."""
        item = self.ok("GET", f"/instances/{item_id}", who)
        open_ = [t for t in item["tasks"] if t["step"] == step and t["kind"] == kind
                 and t["state"] in ("pending", "active") and (holder is None or t["holder"] == holder)]
        assert open_, f"no open {step} task in {item['tasks']}"
        return open_[-1]

    def act(self, who: str, task_id: int, action: str, status: int = 200, **data) -> dict:
        return self.ok("POST", f"/tasks/{task_id}/actions/{action}", who, status, json=data)

    def directive_at_handle(self, **subject) -> int:
        """A directive issued by the leader, registered by the clerk, assigned by the office director."""
        item = self.start("leader", **subject)["id"]
        self.act("clerk", self.task("clerk", item, "register")["id"], "submit")
        assign = self.task("office", item, "assign")
        self.act("office", assign["id"], "assign", **assign["data"]["prefill"])
        return item
