"""Workflow definitions: list, read one with its diagram, and validate YAML text without deploying it."""
from __future__ import annotations

import yaml
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError

from api import views
from api.deps import CurrentUser, LangDep, SiteDep
from api.routes import ERRORS
from api.schemas.definitions import DefinitionPublic, DefinitionSource, DefinitionSummary, ValidationPublic
from engine.parser.definition import parse_definition
from engine.core.states import DefinitionError, InputError, NotFound

router = APIRouter(prefix="/definitions", tags=["definitions"], responses={401: ERRORS[401]})
MAX_YAML = 1_000_000
MAX_NODES = 100_000
FILENAME = "definition.yaml"


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


@router.post("/validate", response_model=ValidationPublic, responses={422: ERRORS[422]}, openapi_extra={
    "requestBody": {"required": True, "content": {
        "text/plain": {"schema": {"type": "string"}, "example": "id: directive\nversion: 2\n..."},
        "application/json": {"schema": DefinitionSource.model_json_schema()}}}})
async def validate_definition(request: Request, user: CurrentUser):
    """Check a definition (YAML as text/plain, or JSON {"yaml": "..."}): every problem as `file:line: message`."""
    raw = await request.body()
    if len(raw) > MAX_YAML:
        raise InputError("yaml", "内容过长（上限 1 MB）", "the text is too long (1 MB at most)")
    if request.headers.get("content-type", "").split(";")[0].strip().lower() == "application/json":
        try:
            text = DefinitionSource.model_validate_json(raw).yaml
        except ValidationError:
            raise InputError("yaml", "请提交 {\"yaml\": \"...\"}", 'send {"yaml": "..."}') from None
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("yaml", "应为 UTF-8 文本", "must be UTF-8 text") from None
    return await run_in_threadpool(validate_text, text)


def validate_text(text: str) -> dict:
    """{"ok", "problems", ...}: the YAML check of the API and the admin page (every problem as `file:line: message`)."""
    too_big = _expansion_problem(text)
    if too_big:
        return {"ok": False, "problems": [too_big]}
    try:
        defn = parse_definition(text, FILENAME)
    except DefinitionError as e:
        return {"ok": False, "problems": e.problems}
    return {"ok": True, "problems": [], "definition": defn.id, "version": defn.version}


def _expansion_problem(text: str) -> str | None:
    """Anchors and aliases that refer to themselves, or expand past MAX_NODES, are refused before the loader
    (which expands every alias) sees them: one request must not cost the server its memory."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None  # the loader reports syntax errors with their lines
    sizes: dict[int, int] = {}
    open_: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_:
            raise RecursionError
        open_.add(key)
        if isinstance(node, yaml.MappingNode):
            n = 1 + sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            n = 1 + sum(size(v) for v in node.value)
        else:
            n = 1
        open_.discard(key)
        sizes[key] = n = min(n, MAX_NODES + 1)
        return n

    try:
        if root is not None and size(root) > MAX_NODES:
            return f"{FILENAME}:1: the YAML expands to more than {MAX_NODES} values (anchors and aliases)"
    except RecursionError:
        return f"{FILENAME}:1: an alias refers to its own anchor (recursive YAML)"
    return None
