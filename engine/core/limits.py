"""How much one input may hold, in one place: every title and one-line text, every long text (instruction,
comment, note, opinion, report...), every list, every code. The one coercer (engine.core.fields) enforces them for
subjects and action fields alike (so the API, the pages and imports all refuse the same things, 422 naming the
field); the API's schemas and the pages' forms show them (maxLength / maxItems, maxlength)."""
from __future__ import annotations

MAX_TITLE = 200       # characters of a title and of any one-line text field
MAX_TEXT = 20_000     # characters of a long text: instruction, comment, note, opinion, report, reason...
MAX_ITEMS = 200       # entries of a list (units, people)
MAX_CODE = 64         # characters of a unit code or a login
MAX_PARTS = 50        # parts of one split (任务分解)
MAX_MILESTONES = 30   # milestones (节点) one item carries

# the largest value of each field type that has one: (JSON Schema keyword, bound)
BY_TYPE: dict[str, tuple[str, int]] = {
    "text": ("maxLength", MAX_TITLE), "long_text": ("maxLength", MAX_TEXT), "unit": ("maxLength", MAX_CODE),
    "person": ("maxLength", MAX_CODE), "unit_or_person": ("maxLength", MAX_CODE), "units": ("maxItems", MAX_ITEMS),
    "parts": ("maxItems", MAX_PARTS),
    "milestones": ("maxItems", MAX_MILESTONES),
}


def bounds(type_: str) -> dict[str, int]:
    """The bound of a field type as public words: {"max_length": n} or {"max_items": n}, or {}."""
    if type_ not in BY_TYPE:
        return {}
    keyword, n = BY_TYPE[type_]
    return {"max_length" if keyword == "maxLength" else "max_items": n}


def value_schema() -> dict:
    """JSON Schema of one subject or action value, with its bounds (for the OpenAPI document)."""
    return {"anyOf": [{"type": "string", "maxLength": MAX_TEXT},
                      {"type": "array", "maxItems": MAX_ITEMS, "items": {"type": "string", "maxLength": MAX_CODE}},
                      {"type": "array", "maxItems": MAX_PARTS, "items": {"type": "object", "maxProperties": 6}},
                      {"type": "array", "maxItems": MAX_MILESTONES, "items": {"type": "object", "properties": {
                          "title": {"type": "string", "maxLength": MAX_TITLE}, "due": {"type": "string",
                                                                                     "format": "date"}}}},
                      {"type": "number"}, {"type": "boolean"}, {"type": "null"}],
            "description": f"one-line texts (titles) hold at most {MAX_TITLE} characters, long texts "
                           f"{MAX_TEXT}, unit codes and logins {MAX_CODE}, lists {MAX_ITEMS} entries, a split's parts "
                           f"{MAX_PARTS}, milestones (节点, [{{title, due}}] or lines 'YYYY-MM-DD title') "
                           f"{MAX_MILESTONES}"}
