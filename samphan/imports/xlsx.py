"""The first sheet of an XLSX file, read as a stream within limits.

An XLSX file is a ZIP of XML parts, and XML compresses very well: a 656 KB file unpacked to
655 MiB, and 3 million blank rows took 65 s and 940 MiB through openpyxl's read-only mode, which
keeps every parsed row element attached to the sheet (cleared, never removed) and pads each row
to the width the sheet declares. This reader parses with expat's callbacks, builds no tree and
keeps only the row it is reading, so its memory stays flat whatever the sheet holds, and it
stops at the first limit it meets, with an error the shop owner can act on:

- the bytes it unpacks (sheet, shared strings, styles, workbook), counted as they come out of
  the ZIP (``zipfile`` never gives more than a part declares, and the declared sizes are
  checked first, so a bomb is refused before a byte of it is inflated);
- the rows of the sheet, blank ones included (``SAMPHAN_IMPORT_MAX_ROWS``; Excel's own limit is
  1,048,576);
- Excel's own limits for a cell (32,767 characters) and a row (16,384 columns).

Shared strings (the text cells point into) are kept as UTF-8 in one buffer with their offsets,
a few bytes each, whatever their number. Values are what openpyxl gives with ``data_only``: the
cached result of a formula, numbers as int or float, dates as ``datetime`` where the cell's
number format is a date format, booleans, and text.
"""

from __future__ import annotations

import contextlib
import posixpath
import re
import zipfile
import zlib
from array import array
from collections import deque
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from xml.parsers import expat

from django.utils.translation import gettext_lazy as _
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel, from_ISO8601

from samphan.imports.errors import ImportFileError

MAX_CELL_CHARS = 32_767  # Excel's limit for one cell
MAX_COLUMNS = 16_384  # Excel's last column, XFD
_CHUNK = 64 * 1024
_REL_ID = "http://schemas.openxmlformats.org/officeDocument/2006/relationships id"
_CELL_REF = re.compile(r"([A-Za-z]{1,3})(\d+)$")

UNREADABLE = _("The file is not a CSV or XLSX file we can read. Save it from Excel as “CSV UTF-8”.")


# A damaged archive shows itself only when a part is inflated, or as XML that does not parse.
BROKEN_ZIP = (expat.ExpatError, zipfile.BadZipFile, zlib.error, EOFError, KeyError, OSError)


def unreadable() -> ImportFileError:
    return ImportFileError("unreadable_file", UNREADABLE)


def too_many_rows(limit: int) -> ImportFileError:
    return ImportFileError(
        "too_many_rows",
        _(
            "The sheet has more than %(rows)s rows (empty rows count too). Delete the empty rows "
            "under your data, or split the file into smaller ones."
        ),
        {"field": "file", "max_rows": limit},
        rows=f"{limit:,}",
    )


@dataclass(frozen=True)
class Limits:
    unpacked_bytes: int
    rows: int


class _Budget:
    """Unpacked bytes still allowed; taking more than is left stops the read."""

    def __init__(self, limit: int) -> None:
        self.limit = self.left = limit

    def take(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise self.exceeded()

    def exceeded(self) -> ImportFileError:
        return ImportFileError(
            "file_too_large_unpacked",
            _(
                "Unpacked, this Excel file holds more than %(mb)s MB of data, more than an "
                "import may read. Delete what the import does not need (other sheets, empty "
                "rows and columns), split it into smaller files, or save it as “CSV UTF-8”."
            ),
            {"field": "file", "max_unpacked_bytes": self.limit},
            mb=self.limit // (1024 * 1024),
        )


_LOCAL_NAMES: dict[str, str] = {}


def _local(name: str) -> str:
    """``"http://…/main row"`` → ``"row"`` (expat with a namespace separator of a space).
    Called for every element, so the few names a workbook uses are remembered."""
    local = _LOCAL_NAMES.get(name)
    if local is None:
        local = name.rpartition(" ")[2]
        if len(_LOCAL_NAMES) < 512:  # a hostile file may invent names without end
            _LOCAL_NAMES[name] = local
    return local


def _parser() -> Any:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    # A document type could declare entities that expand (the "billion laughs"): refuse it.
    parser.StartDoctypeDeclHandler = _no_doctype
    return parser


def _no_doctype(*_args: object) -> None:
    raise unreadable()


class Workbook:
    """The parts of an XLSX file that the first sheet needs, read within ``limits``."""

    def __init__(self, archive: zipfile.ZipFile, limits: Limits) -> None:
        self.archive = archive
        self.limits = limits
        self.budget = _Budget(limits.unpacked_bytes)
        self.names = set(archive.namelist())
        book = self._target("_rels/.rels", "officeDocument") or "xl/workbook.xml"
        sheet_id, self.epoch = self._workbook(book)
        rels = posixpath.join(posixpath.dirname(book), "_rels", posixpath.basename(book) + ".rels")
        targets = self._relationships(rels, posixpath.dirname(book))
        sheet = targets.get(sheet_id or "")
        if sheet is None or sheet not in self.names:
            raise unreadable()
        self.sheet = sheet
        self._check_declared_sizes(
            [sheet, targets.get("#sharedStrings", ""), targets.get("#styles", "")]
        )
        self.dates, self.durations = self._styles(targets.get("#styles"))
        self.strings = SharedStrings()
        if targets.get("#sharedStrings") in self.names:
            self._shared_strings(targets["#sharedStrings"])

    # --- reading parts ---------------------------------------------------------------------

    def _chunks(self, name: str) -> Iterator[bytes]:
        with self.archive.open(name) as fh:
            while chunk := fh.read(_CHUNK):
                self.budget.take(len(chunk))
                yield chunk

    def _parse(self, name: str, parser: Any) -> None:
        try:
            for chunk in self._chunks(name):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except BROKEN_ZIP as exc:
            raise unreadable() from exc

    def _check_declared_sizes(self, names: list[str]) -> None:
        """What the parts to read say they unpack to: a bomb is refused before inflating it."""
        declared = sum(self.archive.getinfo(n).file_size for n in names if n in self.names)
        if declared > self.budget.left:
            raise self.budget.exceeded()

    def _target(self, rels: str, kind: str, base: str = "") -> str | None:
        return self._relationships(rels, base).get("#" + kind)

    def _relationships(self, rels: str, base: str) -> dict[str, str]:
        """Relationship id → part name, and ``#<type>`` → part name for the first of a type."""
        found: dict[str, str] = {}
        if rels not in self.names:
            return found

        def start(name: str, attrs: dict[str, str]) -> None:
            if _local(name) != "Relationship" or "Target" not in attrs:
                return
            target = attrs["Target"]
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(base, target)
            path = posixpath.normpath(path)
            found[attrs.get("Id", "")] = path
            found.setdefault("#" + attrs.get("Type", "").rpartition("/")[2], path)

        parser = _parser()
        parser.StartElementHandler = start
        self._parse(rels, parser)
        return found

    def _workbook(self, name: str) -> tuple[str | None, datetime]:
        """The first sheet's relationship id and the date system (1900 or 1904)."""
        if name not in self.names:
            raise unreadable()
        first: list[str] = []
        epoch = [WINDOWS_EPOCH]

        def start(tag: str, attrs: dict[str, str]) -> None:
            local = _local(tag)
            if local == "sheet" and not first:
                first.append(attrs.get(_REL_ID, ""))
            elif local == "workbookPr" and attrs.get("date1904") in ("1", "true"):
                epoch[0] = MAC_EPOCH

        parser = _parser()
        parser.StartElementHandler = start
        self._parse(name, parser)
        return (first[0] if first else None), epoch[0]

    def _styles(self, name: str | None) -> tuple[set[int], set[int]]:
        """Style ids whose number format shows a date (and those showing a duration)."""
        if not name or name not in self.names:
            return set(), set()
        custom: dict[int, str] = {}
        xf_formats: list[int] = []
        depth = {"cellXfs": False}

        def start(tag: str, attrs: dict[str, str]) -> None:
            local = _local(tag)
            if local == "numFmt":
                with contextlib.suppress(ValueError):
                    custom[int(attrs.get("numFmtId", ""))] = attrs.get("formatCode", "")
            elif local == "cellXfs":
                depth["cellXfs"] = True
            elif local == "xf" and depth["cellXfs"]:
                try:
                    xf_formats.append(int(attrs.get("numFmtId", "0")))
                except ValueError:
                    xf_formats.append(0)

        def end(tag: str) -> None:
            if _local(tag) == "cellXfs":
                depth["cellXfs"] = False

        parser = _parser()
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        self._parse(name, parser)
        dates, durations = set(), set()
        for style, fmt_id in enumerate(xf_formats):
            fmt = custom.get(fmt_id) or BUILTIN_FORMATS.get(fmt_id)
            if is_date_format(fmt):
                dates.add(style)
                if is_timedelta_format(fmt):
                    durations.add(style)
        return dates, durations

    def _shared_strings(self, name: str) -> None:
        strings = self.strings
        state = {"in_si": False, "phonetic": 0, "in_t": False}
        text: list[str] = []

        def start(tag: str, attrs: dict[str, str]) -> None:
            local = _local(tag)
            if local == "si":
                state["in_si"] = True
                text.clear()
            elif local == "rPh":  # the reading of East Asian text, not part of the value
                state["phonetic"] += 1
            elif local == "t" and state["in_si"] and not state["phonetic"]:
                state["in_t"] = True

        def end(tag: str) -> None:
            local = _local(tag)
            if local == "t":
                state["in_t"] = False
            elif local == "rPh":
                state["phonetic"] -= 1
            elif local == "si":
                state["in_si"] = False
                strings.append("".join(text).replace("x005F_", ""))

        def chars(data: str) -> None:
            if state["in_t"]:
                text.append(data)
                if len(text) > 64 and sum(map(len, text)) > MAX_CELL_CHARS:
                    raise ImportFileError(
                        "cell_too_long",
                        _(
                            "A cell of the file holds more than %(max)s characters, more than "
                            "Excel allows in a cell. The file is not one Excel wrote."
                        ),
                        {"field": "file"},
                        max=f"{MAX_CELL_CHARS:,}",
                    )

        parser = _parser()
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = chars
        self._parse(name, parser)
        strings.freeze()

    # --- the sheet --------------------------------------------------------------------------

    def rows(self) -> SheetRows:
        return SheetRows(self)


class SheetRows:
    """(row number, values) for each row of the sheet that has a value, in order.

    ``declared_rows`` is the last row the sheet says it uses (an estimate, 0 if it does not
    say), known once the first row has been read. ``keep_columns(n)`` drops the cells after
    column ``n`` from then on: once the heading row is known, a cell without a heading is
    never read, and a value far out to the right cannot make every row 16,384 cells wide.
    """

    def __init__(self, book: Workbook) -> None:
        self.book = book
        self.declared_rows = 0
        self._sheet = _SheetReader(book, self._declared)
        self._rows = self._read()

    def _declared(self, last_row: int) -> None:
        self.declared_rows = last_row

    def keep_columns(self, count: int) -> None:
        self._sheet.width = max(count, 1)

    def __iter__(self) -> Iterator[tuple[int, list[object]]]:
        return self._rows

    def __next__(self) -> tuple[int, list[object]]:
        return next(self._rows)

    def close(self) -> None:
        self._rows.close()

    def _read(self) -> Generator[tuple[int, list[object]], None, None]:
        sheet = self._sheet
        parser = _parser()
        parser.StartElementHandler = sheet.start
        parser.EndElementHandler = sheet.end
        parser.CharacterDataHandler = sheet.chars
        try:
            for chunk in self.book._chunks(self.book.sheet):
                parser.Parse(chunk, False)
                while sheet.ready:
                    yield sheet.take()
            parser.Parse(b"", True)
        except BROKEN_ZIP as exc:
            raise unreadable() from exc
        while sheet.ready:
            yield sheet.take()


class SharedStrings:
    """The workbook's shared strings, as UTF-8 in one buffer plus an offset each."""

    def __init__(self) -> None:
        self._data = bytearray()
        self._ends = array("Q")
        self._bytes = b""

    def append(self, text: str) -> None:
        self._data += text.encode("utf-8")
        self._ends.append(len(self._data))

    def freeze(self) -> None:
        self._bytes = bytes(self._data)
        self._data = bytearray()

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, index: int) -> str:
        if index < 0:
            raise IndexError(index)
        end = self._ends[index]  # IndexError past the end
        start = self._ends[index - 1] if index > 0 else 0
        return self._bytes[start:end].decode("utf-8")


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters.upper():
        index = index * 26 + (ord(ch) - 64)
    return index


class _SheetReader:
    """expat callbacks for a worksheet: cells are collected into the current row only."""

    def __init__(self, book: Workbook, on_dimension: Callable[[int], None]) -> None:
        self.book = book
        self.max_rows = book.limits.rows
        self.on_dimension = on_dimension
        # Rows parsed from the last chunk, as {column: value}: made into lists one at a time,
        # when they are given out, at the width known then.
        self.ready: deque[tuple[int, dict[int, object]]] = deque()
        self.width = MAX_COLUMNS
        self.row_number = 0
        self.rows_seen = 0
        self.cells: dict[int, object] = {}
        self.column = 0
        self.cell_type = "n"
        self.cell_style = 0
        self.text: list[str] = []
        self.text_len = 0
        self.capture = False  # inside <v>, or <t> of an inline string
        self.in_inline = False
        self.phonetic = 0
        self.has_value = False

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "c":
            self._cell_start(attrs)
        elif local == "v" or (local == "t" and self.in_inline and not self.phonetic):
            self.capture = True
        elif local == "is":
            self.in_inline = True
        elif local == "rPh":
            self.phonetic += 1
        elif local == "row":
            self._row_start(attrs)
        elif local == "dimension":
            self._dimension(attrs.get("ref", ""))

    def end(self, tag: str) -> None:
        local = _local(tag)
        if local == "c":
            self._cell_end()
        elif local in ("v", "t"):
            self.capture = False
        elif local == "is":
            self.in_inline = False
        elif local == "rPh":
            self.phonetic -= 1
        elif local == "row":
            self._row_end()

    def chars(self, data: str) -> None:
        if not self.capture:
            return
        self.text.append(data)
        self.text_len += len(data)
        self.has_value = True
        if self.text_len > MAX_CELL_CHARS:
            raise ImportFileError(
                "cell_too_long",
                _(
                    "A cell in row %(line)s holds more than %(max)s characters, more than Excel "
                    "allows in a cell. The file is not one Excel wrote."
                ),
                {"field": "file", "line": self.row_number},
                line=self.row_number,
                max=f"{MAX_CELL_CHARS:,}",
            )

    def _dimension(self, ref: str) -> None:
        match = _CELL_REF.match(ref.rpartition(":")[2])
        if match:
            self.on_dimension(int(match.group(2)))

    def _row_start(self, attrs: dict[str, str]) -> None:
        number = attrs.get("r")
        try:
            self.row_number = int(float(number)) if number else self.row_number + 1
        except ValueError as exc:
            raise unreadable() from exc
        self.rows_seen += 1
        if self.row_number > self.max_rows or self.rows_seen > self.max_rows:
            raise too_many_rows(self.max_rows)
        self.cells = {}
        self.column = 0

    def _row_end(self) -> None:
        if self.cells:
            self.ready.append((self.row_number, self.cells))
        self.cells = {}

    def take(self) -> tuple[int, list[object]]:
        number, cells = self.ready.popleft()
        width = max((column for column in cells if column <= self.width), default=0)
        values: list[object] = [None] * width
        for column, value in cells.items():
            if column <= width:
                values[column - 1] = value
        return number, values

    def _cell_start(self, attrs: dict[str, str]) -> None:
        ref = attrs.get("r")
        if ref:
            match = _CELL_REF.match(ref)
            if match is None:
                raise unreadable()
            self.column = _column_index(match.group(1))
        else:
            self.column += 1
        if self.column > MAX_COLUMNS:
            raise unreadable()
        self.cell_type = attrs.get("t", "n")
        try:
            self.cell_style = int(attrs.get("s", "0") or 0)
        except ValueError:
            self.cell_style = 0
        self.text = []
        self.text_len = 0
        self.has_value = False

    def _cell_end(self) -> None:
        if not self.has_value or self.column > self.width:
            return
        raw = "".join(self.text)
        value = self._value(raw)
        if value is not None:
            self.cells[self.column] = value

    def _value(self, raw: str) -> object:
        kind = self.cell_type
        try:
            if kind == "s":
                return self.book.strings[int(raw)]
            if kind in ("inlineStr", "str", "e"):
                return raw
            if kind == "b":
                return bool(int(raw))
            if kind == "d":
                return from_ISO8601(raw)
            if not raw:
                return None
            number: float | int = (
                float(raw) if ("." in raw or "e" in raw or "E" in raw) else int(raw)
            )
        except (ValueError, IndexError) as exc:
            raise unreadable() from exc
        if self.cell_style in self.book.dates:
            try:
                converted: datetime | timedelta | Any = from_excel(
                    number, self.book.epoch, timedelta=self.cell_style in self.book.durations
                )
            except (OverflowError, ValueError):
                return "#VALUE!"  # as openpyxl: a date serial beyond the calendar
            return converted
        return number
