"""Reading a table (CSV or XLSX) row by row, without holding the file in memory.

A reader gives the header row, then ``(line, values)`` pairs: the line (CSV) or row (XLSX)
number a person sees in their editor, and the cells as read. Problems that make the whole file
unreadable (not UTF-8, not a workbook, no header line) raise ``FileProblem`` with a message meant
for the person who sent the file; problems of single rows (merged cells) are reported per row.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

CSV_DELIMITERS = ",;\t|"
SNIFF_BYTES = 64 * 1024
CHUNK = 1024 * 1024
# Encodings a person may choose explicitly when their spreadsheet program did not save UTF-8.
ENCODINGS = {"utf-8": "UTF-8", "cp1252": "Windows-1252", "latin-1": "ISO-8859-1 (Latin-1)"}
XLSX_SIGNATURE = b"PK\x03\x04"


class FileProblem(Exception):
    """The file cannot be read at all; the message says what to do about it."""


@dataclass
class FileFacts:
    """What one streaming pass over the bytes tells: fingerprint, size, lines, encoding."""

    sha256: str
    size: int
    newlines: int
    ends_with_newline: bool
    is_xlsx: bool


def file_facts(path: str | Path, *, encoding: str = "utf-8") -> FileFacts:
    """SHA-256 and line count in one pass; for a CSV in UTF-8 also proves every byte decodes, so
    a bad byte is reported before anything is imported (with its position)."""
    digest = hashlib.sha256()
    size = newlines = 0
    last = b""
    first = b""
    # encoding "" only fingerprints; otherwise also proves every byte decodes.
    decoder = codecs.getincrementaldecoder(encoding)() if encoding else None
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            if not first:
                first = chunk[:4]
            is_xlsx = first.startswith(XLSX_SIGNATURE)
            digest.update(chunk)
            if decoder is not None and not is_xlsx:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    position = size + exc.start
                    raise FileProblem(not_decodable_message(path, position, encoding)) from exc
            newlines += chunk.count(b"\n")
            size += len(chunk)
            last = chunk[-1:]
        if decoder is not None and not first.startswith(XLSX_SIGNATURE):
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError as exc:
                raise FileProblem(not_decodable_message(path, size - 1, encoding)) from exc
    return FileFacts(digest.hexdigest(), size, newlines, last == b"\n", first.startswith(XLSX_SIGNATURE))


def not_decodable_message(path: str | Path, position: int, encoding: str) -> str:
    line = 1
    with open(path, "rb") as handle:
        done = 0
        while done < position and (chunk := handle.read(min(CHUNK, position - done))):
            line += chunk.count(b"\n")
            done += len(chunk)
    if encoding == "utf-8":
        return _("The file is not UTF-8 (line %(line)s, byte %(byte)s): save it as UTF-8 (\"CSV UTF-8\" in "
                 "your spreadsheet program), or say which encoding it uses (Windows-1252 or Latin-1).") % {
            "line": line, "byte": position + 1}
    return _("The file is not %(encoding)s (line %(line)s, byte %(byte)s): save it as UTF-8.") % {
        "encoding": ENCODINGS.get(encoding, encoding), "line": line, "byte": position + 1}


@dataclass
class Table:
    """An open table: headers, row problems known before reading, and a row iterator."""

    headers: list[str]
    kind: str
    row_problems: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    header_problems: list[str] = field(default_factory=list)
    estimated_rows: int | None = None
    _rows: Iterator[tuple[int, list[Any]]] | None = None
    _closers: list[Any] = field(default_factory=list)

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        assert self._rows is not None
        return self._rows

    def close(self) -> None:
        for closer in self._closers:
            closer()
        self._closers.clear()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def open_table(path: str | Path, *, encoding: str = "utf-8", facts: FileFacts | None = None) -> Table:
    """Open a CSV or XLSX file (told apart by content, not by name)."""
    facts = facts or file_facts(path, encoding=encoding)
    if facts.size == 0:
        raise FileProblem(_("The file is empty: it needs a header line with the column names."))
    if facts.is_xlsx:
        return _open_xlsx(path)
    return _open_csv(path, encoding, facts)


# --- CSV ------------------------------------------------------------------------------------


def detect_delimiter(sample: str) -> str:
    """The delimiter among , ; TAB | : csv.Sniffer on a sample, checked against the header line
    (the sniffer can be fooled by commas inside the data); else the one the header uses most."""
    header = sample.splitlines()[0] if sample.strip() else ""
    counts = {d: header.count(d) for d in CSV_DELIMITERS}
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        sniffed = ""
    if sniffed and counts.get(sniffed, 0) > 0:
        return sniffed
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _open_csv(path: str | Path, encoding: str, facts: FileFacts) -> Table:
    python_encoding = "utf-8-sig" if encoding == "utf-8" else encoding
    handle: IO[str] = open(path, encoding=python_encoding, newline="")  # noqa: SIM115 - closed by Table
    try:
        sample = handle.read(SNIFF_BYTES)
        if len(sample) == SNIFF_BYTES and "\n" in sample:
            sample = sample[: sample.rindex("\n") + 1]
        handle.seek(0)
        first = sample.split("\n", 1)[0].strip()
        hinted = first[4:] if first.lower().startswith("sep=") and len(first) == 5 else ""
        if hinted:  # Excel's "sep=;" first line names the delimiter
            handle.readline()
        delimiter = hinted or detect_delimiter(sample)
        reader = csv.reader(handle, delimiter=delimiter)
        headers: list[str] | None = None
        for row in reader:
            if any(cell.strip() for cell in row):
                headers = [cell.strip() for cell in row]
                break
        if headers is None:
            raise FileProblem(_("The file has no header line with the column names."))
        offset = 1 if hinted else 0  # lines read before the csv reader started
        header_line = reader.line_num + offset
    except (UnicodeDecodeError, csv.Error) as exc:
        handle.close()
        raise FileProblem(_("The file cannot be read as CSV: %(error)s") % {"error": exc}) from exc
    except BaseException:
        handle.close()
        raise
    estimate = max(0, facts.newlines + (0 if facts.ends_with_newline else 1) - header_line)
    table = Table(headers=headers, kind="csv", estimated_rows=estimate)
    table._rows = _csv_rows(reader, header_line, offset)
    table._closers.append(handle.close)
    return table


def _csv_rows(reader: Any, header_line: int, offset: int) -> Iterator[tuple[int, list[Any]]]:
    previous = header_line
    try:
        for row in reader:
            start, previous = previous + 1, reader.line_num + offset
            if not row or not any(cell.strip() for cell in row):
                continue
            yield start, row
    except (csv.Error, UnicodeDecodeError) as exc:
        raise FileProblem(_("Line %(line)s cannot be read as CSV: %(error)s") % {
            "line": previous + 1, "error": exc}) from exc


# --- XLSX -----------------------------------------------------------------------------------

_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+)([0-9]+)(?::([A-Z]+)([0-9]+))?"')


def merged_ranges(path: str | Path, sheet_path: str) -> list[tuple[str, int, int, int, int]]:
    """Merged cell ranges of one sheet as (text, first row, last row, first col, last col).

    openpyxl's read-only mode does not expose merged cells, and they are listed after the
    rows in the sheet's XML; so the sheet is scanned once, streaming, for its ``mergeCell``
    elements (cell text cannot contain them: "<" is escaped in XML)."""
    from openpyxl.utils import column_index_from_string

    found: dict[bytes, tuple[str, int, int, int, int]] = {}
    tail = b""
    with zipfile.ZipFile(path) as archive, archive.open(sheet_path.lstrip("/")) as source:
        while chunk := source.read(CHUNK):
            data = tail + chunk
            for match in _MERGE.finditer(data):
                c1, r1, c2, r2 = match.groups()
                c2, r2 = c2 or c1, r2 or r1
                text = f"{c1.decode()}{r1.decode()}:{c2.decode()}{r2.decode()}"
                found[match.group(0)] = (text, int(r1), int(r2), column_index_from_string(c1.decode()),
                                         column_index_from_string(c2.decode()))
            tail = data[-512:]
    return sorted(found.values(), key=lambda r: (r[1], r[3]))


def _cell(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)  # 12345.0 read from a number cell is the serial 12345
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    return value


def _open_xlsx(path: str | Path) -> Table:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileProblem(_("The file is not a readable XLSX workbook: %(error)s") % {"error": exc}) from exc
    try:
        sheet = workbook.worksheets[0]
        merges = merged_ranges(path, sheet._worksheet_path)
        declared_rows = sheet.max_row
        sheet.reset_dimensions()  # trust the rows, not a stale size written by another program
        rows = sheet.iter_rows(values_only=True)
        headers = None
        header_row = 0
        for number, values in enumerate(rows, start=1):
            if values and any(v is not None and str(v).strip() for v in values):
                headers = ["" if v is None else str(v).strip() for v in values]
                header_row = number
                break
        if headers is None:
            raise FileProblem(_("The workbook's first sheet has no header row with the column names."))
    except FileProblem:
        workbook.close()
        raise
    except Exception as exc:
        workbook.close()
        raise FileProblem(_("The file is not a readable XLSX workbook: %(error)s") % {"error": exc}) from exc
    while headers and not headers[-1]:
        headers.pop()
    estimate = max(0, declared_rows - header_row) if declared_rows else None
    table = Table(headers=headers, kind="xlsx", estimated_rows=estimate)
    from openpyxl.utils import get_column_letter

    for text, r1, r2, c1, c2 in merges:
        columns = [headers[c - 1] if 0 < c <= len(headers) and headers[c - 1] else get_column_letter(c)
                   for c in range(c1, c2 + 1)]
        if r1 <= header_row:
            table.header_problems.append(
                _("Cells %(range)s are merged in the header row: unmerge them so that each column has "
                  "its own name.") % {"range": text})
            r1 = header_row + 1
        for row in range(r1, r2 + 1):
            table.row_problems.setdefault(row, []).append((columns[0], _(
                "cells %(range)s are merged: unmerge them and write the value in every cell") % {"range": text}))
    table._rows = _xlsx_rows(rows, header_row, len(headers))
    table._closers.append(workbook.close)
    return table


def _xlsx_rows(rows: Iterator[tuple[Any, ...]], header_row: int, width: int) -> Iterator[tuple[int, list[Any]]]:
    for number, values in enumerate(rows, start=header_row + 1):
        if not values or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        yield number, [_cell(v) for v in values[:width]]
