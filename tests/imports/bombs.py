"""Hostile XLSX files written straight into a ZIP (openpyxl would not write them)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _parts(shared: bool) -> dict[str, str]:
    overrides = (
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
        'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
        'worksheet+xml"/>'
    )
    if shared:
        overrides += (
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        )
    shared_rel = (
        f'<Relationship Id="rId2" Type="{DOC}/sharedStrings" Target="sharedStrings.xml"/>'
        if shared
        else ""
    )
    return {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.'
            'org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            f'ContentType="application/xml"/>{overrides}</Types>'
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}"><Relationship '
            f'Id="rId1" Type="{DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{DOC}">'
            '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}"><Relationship '
            f'Id="rId1" Type="{DOC}/worksheet" Target="worksheets/sheet1.xml"/>{shared_rel}'
            "</Relationships>"
        ),
    }


def write_xlsx(
    path: Path,
    rows: Iterable[bytes],
    *,
    shared_strings: Iterable[bytes] | None = None,
    sheet_head: bytes = b"",
) -> Path:
    """A workbook whose sheet holds ``rows`` (raw ``<row>`` XML), streamed into the ZIP."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in _parts(shared_strings is not None).items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0" encoding="UTF-8"?>')
            fh.write(f'<worksheet xmlns="{MAIN}">'.encode() + sheet_head + b"<sheetData>")
            _write_batched(fh, rows)
            fh.write(b"</sheetData></worksheet>")
        if shared_strings is not None:
            with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
                fh.write(f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'.encode())
                _write_batched(fh, shared_strings)
                fh.write(b"</sst>")
    return path


def _write_batched(fh: object, parts: Iterable[bytes]) -> None:
    batch: list[bytes] = []
    for part in parts:
        batch.append(part)
        if len(batch) >= 10_000:
            fh.write(b"".join(batch))  # type: ignore[attr-defined]
            batch = []
    fh.write(b"".join(batch))  # type: ignore[attr-defined]


HEADING = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>ชื่อ-นามสกุล</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>เบอร์โทร</t></is></c></row>'
).encode()


def blank_rows(count: int) -> Iterable[bytes]:
    """The heading, then ``count`` rows of one formatted but empty cell (no row numbers, so
    they compress to almost nothing: 3 million take 150 KB)."""
    yield HEADING
    for _ in range(count):
        yield b'<row><c s="1"/></row>'


def inline_row(number: int, *cells: str) -> bytes:
    body = b"".join(
        b'<c t="inlineStr"><is><t>' + cell.encode() + b"</t></is></c>" for cell in cells
    )
    return b'<row r="%d">' % number + body + b"</row>"
