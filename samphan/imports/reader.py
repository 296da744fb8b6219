"""Reading CSV and XLSX files row by row, with each row's spreadsheet line number.

Nothing is loaded whole: CSV is decoded as a stream and XLSX is streamed by ``imports.xlsx``
within limits (what it may unpack to, and rows: ``SAMPHAN_IMPORT_MAX_UNPACKED_MB`` and
``SAMPHAN_IMPORT_MAX_ROWS``, which CSV files keep too). CSV encodings, in the order tried: UTF-8 with a byte-order mark (Excel's "CSV UTF-8"),
UTF-16 with a byte-order mark (Excel's "Unicode text", tab-separated), plain UTF-8, and finally
Windows-874 (TIS-620 plus a few symbols), which is what Thai Excel writes for "CSV (Comma
delimited)". The whole file is checked as UTF-8 before it is read that way, so a Thai file that
is not UTF-8 is never half-read as mojibake.

Line numbers are spreadsheet row numbers (the heading row is usually 1), which is what the shop
owner sees when they open the file to fix a row.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from samphan.imports import xlsx
from samphan.imports.errors import ImportFileError
from samphan.imports.values import clean_cell

# csv's default 128 KiB field limit is too small for some marketplace "note" columns.
csv.field_size_limit(16 * 1024 * 1024)
# Columns a heading row may have: marketplace exports have about a hundred.
MAX_COLUMNS = 1000


@dataclass
class Table:
    headers: list[str]
    header_line: int
    rows: Iterator[tuple[int, list[object]]]  # (line, raw cell values) after the heading row
    total_rows: int  # data rows after the heading (blank rows not counted), an estimate for XLSX
    format: str  # "csv" or "xlsx"
    encoding: str = ""


def _is_xlsx(path: Path) -> bool:
    with path.open("rb") as fh:
        head = fh.read(4)
    return head == b"PK\x03\x04"  # a ZIP container; a broken one is reported as unreadable


def detect_encoding(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp874"
    return "utf-8"


def _sniff_delimiter(sample: str) -> str:
    first_lines = "\n".join(sample.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(first_lines, delimiters=",;\t|").delimiter
    except csv.Error:
        return "\t" if first_lines.count("\t") > first_lines.count(",") else ","


def _is_blank(cells: list[Any] | tuple[Any, ...]) -> bool:
    try:
        return not "".join(cells).strip()  # CSV rows: all text
    except TypeError:
        return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _open_text(path: Path, encoding: str) -> IO[str]:
    return open(path, encoding=encoding, newline="", errors="strict")


def _csv_rows(
    path: Path, encoding: str, delimiter: str
) -> Generator[tuple[int, list[object]], None, None]:
    """(row number, cells). A row is held back until the next one is read, so that the last
    row can be checked before it is given out: a quote that is never closed makes the last
    "row" swallow every line after it, which the csv module accepts without a word."""
    max_rows = settings.SAMPHAN_IMPORT_MAX_ROWS
    with _open_text(path, encoding) as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        pending: tuple[int, list[object]] | None = None
        first_line = last_start = 1  # the text line the pending row starts on
        for row, cells in enumerate(reader, 1):
            if row > max_rows:  # blank rows count too: they cost as much to read
                raise xlsx.too_many_rows(max_rows)
            if pending is not None:
                yield pending
            pending, last_start = (row, list(cells)), first_line
            first_line = reader.line_num + 1
        if pending is None:
            return
        spans = reader.line_num > last_start or any(
            "\n" in c or "\r" in c for c in pending[1] if isinstance(c, str)
        )
        if spans:  # the last row holds a line break: is its quote closed?
            opened = _unclosed_quote(path, encoding, delimiter, last_start)
            if opened is not None:
                raise ImportFileError(
                    "unclosed_quote",
                    _(
                        'Row %(line)s has a quote mark (") that is never closed, so every row '
                        "after it would be lost. Close or remove that quote (line %(text_line)s "
                        "of the file as text) and upload the file again."
                    ),
                    {"field": "file", "line": pending[0], "text_line": opened},
                    line=pending[0],
                    text_line=opened,
                )
        yield pending


def _unclosed_quote(path: Path, encoding: str, delimiter: str, start: int) -> int | None:
    """The text line of a quote, in the row that starts on line ``start``, that is still open
    at the end of the file (None if every quote is closed). The csv module's own rules: a
    quote opens only at the start of a cell, and ``""`` inside quotes is a quote mark."""
    at_start, quoted, quote_seen, opened = True, False, False, None
    with _open_text(path, encoding) as fh:
        for line_no, text in enumerate(fh, 1):
            if line_no < start:
                continue
            for ch in text:
                if quoted:
                    if ch == '"':
                        quoted, quote_seen = False, True
                    continue
                if quote_seen and ch == '"':  # "" inside quotes
                    quoted, quote_seen = True, False
                    continue
                quote_seen = False
                if ch == '"' and at_start:
                    quoted, opened = True, line_no
                at_start = ch in (delimiter, "\r", "\n")
    return opened if quoted else None


def _count_csv(path: Path, encoding: str) -> int:
    """Rows after the heading, estimated from the line breaks (a cell with a line break inside
    counts twice): for the progress bar only; the report counts exactly."""
    newline = "\n".encode(encoding.removesuffix("-sig"))
    if encoding == "utf-16":
        newline = "\n".encode("utf-16-le")
    count, last = 0, b""
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            count += chunk.count(newline)
            last = chunk
    if last and not last.endswith(newline):
        count += 1
    return max(count - 1, 0)


@contextmanager
def open_table(path: str | Path) -> Iterator[Table]:
    """The heading row (the first row that is not blank) and an iterator over the rows after
    it. Blank rows are skipped. A file that cannot be read raises ``ImportFileError``."""
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        raise ImportFileError("empty_file", _("The file is empty."))
    if _is_xlsx(path):
        with _open_xlsx(path) as table:
            yield table
        return
    encoding = detect_encoding(path)
    try:
        with _open_text(path, encoding) as fh:
            sample = fh.read(64 * 1024)
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            "unreadable_file",
            _("The file is not a CSV or XLSX file we can read. Save it from Excel as “CSV UTF-8”."),
        ) from exc
    if "\x00" in sample:
        raise ImportFileError(
            "unreadable_file",
            _("The file is not a CSV or XLSX file we can read. Save it from Excel as “CSV UTF-8”."),
        )
    delimiter = _sniff_delimiter(sample)
    rows = _csv_rows(path, encoding, delimiter)
    try:
        headers, header_line = _headings(rows)
        yield Table(
            headers=headers,
            header_line=header_line,
            rows=(r for r in rows if not _is_blank(r[1])),
            total_rows=_count_csv(path, encoding),
            format="csv",
            encoding=encoding,
        )
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ImportFileError(
            "unreadable_file",
            _("The file is not a CSV or XLSX file we can read. Save it from Excel as “CSV UTF-8”."),
        ) from exc
    finally:
        rows.close()


def _headings(rows: Iterator[tuple[int, list[object]]]) -> tuple[list[str], int]:
    for line, cells in rows:
        if not _is_blank(cells):
            headers = [clean_cell(c) for c in cells]
            while headers and not headers[-1]:
                headers.pop()
            return headers, line
    raise ImportFileError("no_header", _("The file has no heading row."))


@contextmanager
def _open_xlsx(path: Path) -> Iterator[Table]:
    """The first sheet, streamed within the unpacked-size and row limits (``imports.xlsx``)."""
    limits = import_limits()
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise xlsx.unreadable() from exc
    with archive:
        try:
            book = xlsx.Workbook(archive, limits)
        except xlsx.BROKEN_ZIP as exc:
            raise xlsx.unreadable() from exc
        rows = book.rows()
        try:
            headers, header_line = _headings(rows)
            if len(headers) > MAX_COLUMNS:
                raise too_many_columns()
            rows.keep_columns(len(headers))
            total = max(min(rows.declared_rows, limits.rows) - header_line, 0)
            yield Table(
                headers=headers,
                header_line=header_line,
                rows=(r for r in rows if not _is_blank(r[1])),
                total_rows=total,
                format="xlsx",
            )
        finally:
            rows.close()


def import_limits() -> xlsx.Limits:
    return xlsx.Limits(
        unpacked_bytes=settings.SAMPHAN_IMPORT_MAX_UNPACKED_BYTES,
        rows=settings.SAMPHAN_IMPORT_MAX_ROWS,
    )


def too_many_columns() -> ImportFileError:
    return ImportFileError(
        "too_many_columns",
        _(
            "The heading row has more than %(max)s columns. Delete the columns the import does "
            "not need and upload the file again."
        ),
        {"field": "file", "max_columns": MAX_COLUMNS},
        max=f"{MAX_COLUMNS:,}",
    )


def read_preview(path: str | Path, *, limit: int = 3) -> tuple[list[str], list[list[str]], int]:
    """Headings, the first ``limit`` rows as text (for the mapping page) and the row count."""
    with open_table(path) as table:
        sample: list[list[str]] = []
        for _line, cells in table.rows:
            sample.append([clean_cell(c) for c in cells])
            if len(sample) >= limit:
                break
        return table.headers, sample, table.total_rows


def sha256_of(fh: IO[bytes]) -> str:
    import hashlib

    digest = hashlib.sha256()
    for chunk in iter(lambda: fh.read(1 << 20), b""):
        digest.update(chunk)
    return digest.hexdigest()


__all__ = ["Table", "detect_encoding", "open_table", "read_preview", "sha256_of"]
