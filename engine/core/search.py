"""Search (检索) in the office's terms, pure: how text is normalised and cut into index tokens, how a query is read
(its terms, the serial number it may be, typed as 督〔2026〕15号, 督2026-15 or 15号), how results rank, and the
highlighted snippet of a hit (escaped HTML with <mark>).

Chinese needs no word segmentation: text is cut into runs of CJK characters and runs of letters and digits. A CJK
run gives every single character and every pair of neighbours (unigrams and bigrams), a letter/digit run gives the
word. A query term of two or more CJK characters asks for all its bigrams, one character for its unigram, a word
or number for the whole word; the store then checks that the normalised
term really occurs in the normalised text (the tokens only narrow the candidates through an index), so any
substring of two or more characters, a single character and a Latin word all find what contains them."""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

MAX_QUERY = 100  # characters of a query
MAX_TERMS = 8  # space-separated terms of a query that count (the rest are ignored)
SNIPPET = 60  # characters of text around a hit shown in a snippet

# where a hit counts most: the serial number, then the title, then everything else
FIELD_WEIGHT = {"serial": 0, "title": 1}
OTHER_WEIGHT = 2

# what a hit's field is called on the results page
FIELD_LABELS = {
    "serial": ("编号", "Serial"), "title": ("标题", "Title"), "progress": ("进展反馈", "Progress report"),
    "report": ("办结报告", "Completion report"), "opinion": ("会办意见", "Opinion"), "comment": ("意见", "Comment"),
    "instruction": ("批示内容", "Instruction"), "attachment": ("附件", "Attachment"),
    "attachment_text": ("附件内容", "Text of an attachment"),
}


def is_cjk(ch: str) -> bool:
    """A Chinese, Japanese or Korean character (searched by characters and pairs, not words)."""
    o = ord(ch)
    return (0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0x3040 <= o <= 0x30FF
            or 0xAC00 <= o <= 0xD7AF or 0x20000 <= o <= 0x3FFFF)


def _is_word(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LN" and not is_cjk(ch)


def normalise(text: str) -> str:
    """Text as it is compared: NFKC (full-width letters and digits become plain ones) and case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


def runs(norm: str) -> list[tuple[str, str]]:
    """The runs of normalised text: ("cjk", "督办事项") and ("word", "report"); everything else separates them."""
    out: list[tuple[str, str]] = []
    kind, start = "", 0
    for i, ch in enumerate(norm + " "):
        k = "cjk" if is_cjk(ch) else "word" if _is_word(ch) else ""
        if k != kind:
            if kind:
                out.append((kind, norm[start:i]))
            kind, start = k, i
    return out


def tokens(text: str) -> list[str]:
    """The index tokens of a text (each once): every CJK character and neighbouring pair, every word."""
    out: dict[str, None] = {}
    for kind, run in runs(normalise(text)):
        if kind == "word":
            out[run] = None
            continue
        for i, ch in enumerate(run):
            out[ch] = None
            if i + 1 < len(run):
                out[run[i:i + 2]] = None
    return list(out)


@dataclass(frozen=True)
class Term:
    """One space-separated term of a query: its normalised text, the CJK tokens that an index must hold, and its
    letter/digit words."""

    norm: str
    cjk: tuple[str, ...]
    words: tuple[str, ...]


@dataclass(frozen=True)
class Serial:
    """A serial number as typed: 督〔2026〕15号 → ("督", 2026, 15); 15号 → (None, None, 15)."""

    prefix: str | None
    year: int | None
    no: int


@dataclass(frozen=True)
class Query:
    """A query read: its terms (all must occur in one text) and the serial number it may be."""

    text: str
    terms: tuple[Term, ...]
    serial: Serial | None

    @property
    def empty(self) -> bool:
        return not self.terms and self.serial is None


def term(raw: str) -> Term | None:
    """A query term, or None if it holds no letter, digit or CJK character (punctuation alone finds nothing)."""
    norm = normalise(raw)
    cjk: dict[str, None] = {}
    words: list[str] = []
    for kind, run in runs(norm):
        if kind == "word":
            words.append(run)
        elif len(run) == 1:
            cjk[run] = None
        else:
            cjk.update((run[i:i + 2], None) for i in range(len(run) - 1))
    if not cjk and not words:
        return None
    return Term(norm, tuple(cjk), tuple(words))


_SERIAL_WITH_YEAR = re.compile(
    r"^(?P<prefix>[\u3400-\u9fff]{0,4})\s*(?P<open>[〔\[(（【])?\s*(?P<year>(?:19|20|21)\d\d)\s*"
    r"(?P<close>[〕\])）】])?\s*(?P<sep>[-—–_/.、])?\s*第?\s*(?P<no>\d{1,6})\s*(?P<hao>号)?$")
_SERIAL_NO = re.compile(r"^(?P<prefix>[\u3400-\u9fff]{0,4}?)\s*第?\s*(?P<no>\d{1,6})\s*号$")


def parse_serial(q: str) -> Serial | None:
    """The serial number a query is, however typed (督〔2026〕15号, 督[2026]15号, 督2026-15, 2026-15, 15号, 第15号),
    or None. A bare number (15, 202615) is not taken for one: it is searched as text."""
    s = unicodedata.normalize("NFKC", q).strip()
    m = _SERIAL_WITH_YEAR.match(s)
    if m and any(m.group(k) for k in ("prefix", "open", "close", "sep", "hao")):
        return Serial(m.group("prefix") or None, int(m.group("year")), int(m.group("no")))
    m = _SERIAL_NO.match(s)
    if m:
        return Serial(m.group("prefix") or None, None, int(m.group("no")))
    return None


def read_query(q: str) -> Query:
    """A query as the search runs it: at most MAX_QUERY characters (the caller refuses longer ones), its terms
    (space-separated, at most MAX_TERMS, each with something to look for) and the serial number it may be."""
    q = q.strip()[:MAX_QUERY]
    terms = [t for t in (term(w) for w in q.split()) if t is not None][:MAX_TERMS]
    return Query(q, tuple(terms), parse_serial(q))


def weight(field: str) -> int:
    """How a hit in `field` ranks (lower first): serial, then title, then the rest."""
    return FIELD_WEIGHT.get(field, OTHER_WEIGHT)


def field_label(field: str, lang: str = "zh") -> str:
    """A hit's field in words: subject fields go by their own labels (given by the caller) else by name."""
    zh, en = FIELD_LABELS.get(field, (field, field))
    return en if lang.startswith("en") else zh


def snippet(text: str, terms: tuple[Term, ...] | list[Term], width: int = SNIPPET, norm: str | None = None) -> str:
    """Escaped HTML of the part of `text` around the first hit of a term, each hit wrapped in <mark>; the start of
    the text when no term occurs (a serial hit). Matching is on normalised text, shown in the original."""
    # normalise character by character, so that every normalised position maps back to an original one
    norm = normalise(text)
    if len(norm) == len(text):  # the usual case: positions are the same
        back = range(len(text))
    else:
        pieces = [normalise(ch) for ch in text]
        norm = "".join(pieces)
        back = [i for i, p in enumerate(pieces) for _ in p]
    spans: list[tuple[int, int]] = []
    for t in terms:
        start = norm.find(t.norm)
        while start >= 0 and t.norm:
            spans.append((back[start], back[start + len(t.norm) - 1] + 1))
            start = norm.find(t.norm, start + len(t.norm))
    spans = _merge(sorted(spans))
    first = spans[0][0] if spans else 0
    lo = max(0, min(first - width // 3, len(text) - width))  # a short text is shown whole
    hi = min(len(text), lo + width)
    out, at = [], lo
    for a, b in spans:
        if b <= lo or a >= hi:
            continue
        a, b = max(a, lo), min(b, hi)
        out += [html.escape(text[at:a]), "<mark>", html.escape(text[a:b]), "</mark>"]
        at = b
    out.append(html.escape(text[at:hi]))
    return ("…" if lo > 0 else "") + "".join(out) + ("…" if hi < len(text) else "")


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


TEXT_TYPES = frozenset({"text", "long_text"})  # subject fields searched (codes, dates and choices are not)
ATTACHMENT_CHUNK = 4000  # an attachment's text is indexed in pieces of this many characters...
CHUNK_OVERLAP = 100  # ...overlapping so that a phrase across a cut is still found
MAX_ATTACHMENT_TEXT = 1_000_000  # characters of an attachment's text indexed (the rest is not searched)


def text_fields(fields: dict) -> list[str]:
    """The names of a definition's searched subject fields (text and long text), given its fields by name (a
    FieldDef or a plain dict with a `type`)."""
    def type_of(f: object) -> str:
        return f.get("type", "") if isinstance(f, dict) else getattr(f, "type", "")
    return [name for name, f in fields.items() if type_of(f) in TEXT_TYPES]


def item_texts(serial: str, title: str, subject: dict, searched: list[str] | tuple[str, ...],
               title_field: str = "title") -> list[tuple[str, str]]:
    """(field, text) of an item's own searchable texts: its serial, title and non-empty searched subject fields."""
    out = [("serial", serial), ("title", title)]
    for name in searched:
        v = subject.get(name)
        if name != title_field and isinstance(v, str) and v.strip():
            out.append((name, v))
    return out


def chunks(text: str) -> list[str]:
    """An attachment's text in overlapping pieces (at most MAX_ATTACHMENT_TEXT characters in all)."""
    text = text[:MAX_ATTACHMENT_TEXT]
    step = ATTACHMENT_CHUNK - CHUNK_OVERLAP
    return [text[i:i + ATTACHMENT_CHUNK] for i in range(0, max(len(text) - CHUNK_OVERLAP, 1), step)
            if text[i:i + ATTACHMENT_CHUNK].strip()]


def serial_matches(s: Serial | None, serial: str, year: int, no: int) -> bool:
    """Whether an item's serial (its text, year and number) is the serial number typed."""
    return (s is not None and s.no == no and (s.year is None or s.year == year)
            and (not s.prefix or serial.startswith(s.prefix)))
