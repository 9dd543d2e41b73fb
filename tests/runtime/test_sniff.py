"""What a file is, by its content: the office's usual files are taken whatever they are called — OFD, Word, Excel,
WPS's old binary files, GB18030 text, photos — and a program or random bytes are not, whatever their name."""
from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from engine.runtime import sniff
from tests.api.test_attachments_server import report_docx, scanned_pdf

PNG = bytes.fromhex("89504E470D0A1A0A0000000D49484452000000010000000108060000001F15C4890000000D49444154789C63F8CF"
                    "C0F01F0005000201FFA0A0F3C60000000049454E44AE426082")


def zipped(names: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, b in names.items():
            z.writestr(n, b)
    return buf.getvalue()


def xlsx() -> bytes:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "督办台账"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("body, kind", [
    (scanned_pdf(), "application/pdf"),
    (PNG, "image/png"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64), "image/jpeg"),
    (zipped({"OFD.xml": b"<ofd:OFD/>", "Doc_0/Document.xml": b"<x/>"}), "application/ofd"),
    (report_docx("报告"), sniff.OOXML["word/"]),
    (xlsx(), sniff.OOXML["xl/"]),
    (bytes.fromhex("D0CF11E0A1B11AE1") + bytes(512), "application/x-ole-storage"),  # .doc / WPS .wps
    (zipped({"清单.txt": "整改清单".encode()}), "application/zip"),
    ("关于报送年度总结的通知\n请于月底前报送。".encode(), "text/plain; charset=utf-8"),
    ("关于报送年度总结的通知".encode("gb18030"), "text/plain; charset=gb18030"),
])
def test_the_offices_files_are_known_by_their_content(tmp_path, body, kind):
    path = tmp_path / "whatever.bin"
    path.write_bytes(body)
    assert sniff.content_type(path) == kind


@pytest.mark.parametrize("body", [
    b"MZ\x90\x00\x03\x00\x00\x00" + bytes(range(256)) * 8,   # a Windows program renamed .pdf
    b"\x7fELF\x02\x01\x01" + bytes(200),                      # a Linux program
    b"text with a NUL \x00 inside",
    bytes(range(128, 256)) * 4,                               # bytes that are no text in either encoding
    b"",
])
def test_anything_else_is_refused(tmp_path, body):
    path = tmp_path / "通知.pdf"
    path.write_bytes(body)
    assert sniff.content_type(path) is None


def test_text_is_taken_from_pdf_and_word_and_a_damaged_pdf_gives_none(tmp_path):
    pdf, doc, bad = tmp_path / "a.pdf", tmp_path / "b.docx", tmp_path / "c.pdf"
    pdf.write_bytes(scanned_pdf("Annual summary"))
    doc.write_bytes(report_docx("年度总结已报送"))
    bad.write_bytes(b"%PDF-1.4\n garbage")
    assert "Annual summary" in sniff.extract_text(pdf, "application/pdf")
    assert sniff.extract_text(doc, sniff.OOXML["word/"]) == "年度总结已报送"
    assert sniff.extract_text(bad, "application/pdf") is None
