"""Workflow definitions: list, read one with its diagram, and validate YAML text without deploying it."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError

from api import views
from api.deps import CurrentUser, LangDep, SiteDep
from api.routes import ERRORS
from api.schemas.definitions import DefinitionPublic, DefinitionSource, DefinitionSummary, ValidationPublic
from engine.clock import monotonic
from engine.core import policy
from engine.parser.definition import parse_definition
from engine.core.states import DefinitionError, InputError, NotFound

router = APIRouter(prefix="/definitions", tags=["definitions"], responses={401: ERRORS[401]})
MAX_YAML = 256 * 1024  # bytes of YAML one check takes
CHECK_SECONDS = 2.0    # work one check may do before it gives up
FILENAME = "definition.yaml"
TOO_BIG = ("内容过长（上限 256 KB）", "the text is too long (256 KB at most)")
GAVE_UP = (f"检查超过 {CHECK_SECONDS:g} 秒，已停止，请精简定义"
           f"（the check took more than {CHECK_SECONDS:g} s and gave up; make the definition smaller）")


@router.get("", response_model=list[DefinitionSummary])
def list_definitions(user: CurrentUser, site: SiteDep):
    """The newest version of every deployed definition, and whether the caller may start it."""
    return [views.definition_summary(d, user.actor) for d in site.definitions().values()]


@router.get("/{key}", response_model=DefinitionPublic, responses={404: ERRORS[404]})
def get_definition(key: str, user: CurrentUser, site: SiteDep, lang: LangDep):
    """One definition with its fields, steps and a Mermaid diagram."""
    defn = site.definitions().get(key)
    if defn is None:
        raise NotFound(f"没有流程定义“{key}”", f"no definition {key!r}", {"definition": key})
    return views.definition_detail(defn, user.actor, lang)


@router.post("/validate", response_model=ValidationPublic, responses={403: ERRORS[403], 422: ERRORS[422]},
             openapi_extra={"requestBody": {"required": True, "content": {
                 "text/plain": {"schema": {"type": "string", "maxLength": MAX_YAML},
                                "example": "id: directive\nversion: 2\n..."},
                 "application/json": {"schema": DefinitionSource.model_json_schema()}}}})
async def validate_definition(request: Request, user: CurrentUser):
    """Check a definition (YAML as text/plain, or JSON {"yaml": "..."}): every problem as `file:line: message`.
    For administrators and the office director (definition authors); at most 256 KB, and the check gives up
    after 2 seconds of work (YAML aliases that expand too far are refused at once)."""
    policy.require_definer(user.actor)
    raw = await request.body()
    if len(raw) > MAX_YAML + 64:  # the JSON wrapper's few bytes aside
        raise InputError("yaml", TOO_BIG[0], TOO_BIG[1])
    if request.headers.get("content-type", "").split(";")[0].strip().lower() == "application/json":
        try:
            text = DefinitionSource.model_validate_json(raw).yaml
        except ValidationError:
            raise InputError("yaml", "请提交 {\"yaml\": \"...\"}（上限 256 KB）",
                             'send {"yaml": "..."} (256 KB at most)') from None
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("yaml", "应为 UTF-8 文本", "must be UTF-8 text") from None
    if len(text.encode("utf-8", "surrogatepass")) > MAX_YAML:
        raise InputError("yaml", TOO_BIG[0], TOO_BIG[1])
    return await run_in_threadpool(validate_text, text)


def validate_text(text: str) -> dict:
    """{"ok", "problems", ...}: the YAML check of the API and the admin page (every problem as `file:line: message`).
    Over MAX_YAML, or past CHECK_SECONDS of work, it answers with that one problem; the parser itself stops (it
    asks `give_up` as it goes), so nothing runs on after the answer."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_YAML:
        return {"ok": False, "problems": [f"{FILENAME}:1: {TOO_BIG[0]}（{TOO_BIG[1]}; got {size:,} bytes）"]}
    deadline = monotonic() + CHECK_SECONDS

    def give_up() -> str | None:
        return GAVE_UP if monotonic() > deadline else None

    try:
        defn = parse_definition(text, FILENAME, give_up=give_up)
    except DefinitionError as e:
        return {"ok": False, "problems": e.problems}
    return {"ok": True, "problems": [], "definition": defn.id, "version": defn.version}
