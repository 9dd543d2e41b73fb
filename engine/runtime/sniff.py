"""What an uploaded file is, by its content and never its name, and its text for search. `filetype` (magic
numbers) names PDFs, images and ZIPs; Duban's own checks cover what it does not: OFD (a ZIP with OFD.xml at the
root), Office Open XML and WPS's OOXML files (a ZIP with [Content_Types].xml and word/, xl/ or ppt/), the old binary
Office and WPS files (an OLE2 compound file), and plain text (UTF-8 or GB18030, no NUL). Anything else (a program
renamed .pdf) is refused. Text extraction is bounded (pages, characters); a failure leaves no text."""
from __future__ import annotations

import zipfile
from pathlib import Path

import filetype

HEAD = 8192
TEXT_PROBE = 1 << 20      # bytes of a would-be text file decoded to decide it is text
MAX_TEXT = 1_000_000      # characters of extracted text kept (for search)
MAX_PAGES = 500           # PDF pages read for text
OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")
IMAGES = {"image/png", "image/jpeg", "image/gif", "image/webp", "image/tiff", "image/bmp"}
OOXML = {"word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}
ACCEPTED_ZH = "PDF、OFD、图片（PNG/JPEG/GIF/WebP/TIFF/BMP）、Word/Excel/PowerPoint、WPS、纯文本或 ZIP"
ACCEPTED_EN = "PDF, OFD, images (PNG/JPEG/GIF/WebP/TIFF/BMP), Word/Excel/PowerPoint, WPS, plain text or ZIP"


def content_type(path: Path) -> str | None:
    """The content type the file's bytes show it to be, or None when it is none of the accepted kinds."""
    with open(path, "rb") as f:
        head = f.read(HEAD)
    if not head:
        return None
    if head.startswith(OLE2):
        return "application/x-ole-storage"  # .doc/.xls/.ppt and WPS .wps/.et/.dps
    kind = filetype.guess(head)
    mime = kind.mime if kind else None
    if mime == "application/pdf" or mime in IMAGES:
        return mime
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(path)
    if kind is None and _is_text(path):
        return "text/plain; charset=utf-8" if _decodes(path, "utf-8") else "text/plain; charset=gb18030"
    return None


def _zip_kind(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "OFD.xml" in names:
        return "application/ofd"
    if "[Content_Types].xml" in names:
        for folder, mime in OOXML.items():
            if any(n.startswith(folder) for n in names):
                return mime
    return "application/zip"


def _decodes(path: Path, encoding: str) -> bool:
    with open(path, "rb") as f:
        data = f.read(TEXT_PROBE)
    if b"\x00" in data:
        return False
    try:
        data.decode(encoding)
        return True
    except UnicodeDecodeError as e:
        # a probe that cuts a character in two still counts as text
        return len(data) == TEXT_PROBE and e.start >= len(data) - 4


def _is_text(path: Path) -> bool:
    return _decodes(path, "utf-8") or _decodes(path, "gb18030")


def extract_text(path: Path, mime: str) -> str | None:
    """The text of a PDF or a Word (DOCX) file, at most MAX_TEXT characters; None for other kinds or a file the
    readers cannot open (a damaged or encrypted one)."""
    try:
        if mime == "application/pdf":
            from pypdf import PdfReader  # lazy heavy optional library
            reader = PdfReader(str(path))
            parts, n = [], 0
            for page in reader.pages[:MAX_PAGES]:
                t = page.extract_text() or ""
                parts.append(t)
                n += len(t)
                if n >= MAX_TEXT:
                    break
            text = "\n".join(parts)
        elif mime == OOXML["word/"]:
            import docx  # lazy heavy optional library
            parts, n = [], 0
            for para in docx.Document(str(path)).paragraphs:
                parts.append(para.text)
                n += len(para.text)
                if n >= MAX_TEXT:
                    break
            text = "\n".join(parts)
        elif mime.startswith("text/plain"):
            with open(path, "rb") as f:
                text = f.read(MAX_TEXT * 4).decode(mime.rsplit("=", 1)[-1], errors="replace")
        else:
            return None
    except Exception:  # any reader failure: the file is kept, only its text is not
        return None
    text = text.replace("\x00", "").strip()
    return text[:MAX_TEXT] or None
