"""Files a page hands over: spreadsheet exports (CSV, XLSX) and stored uploads (photos).

Exports neutralise cells a spreadsheet would run as a formula (CSV injection); stored files are
served inline with no sniffing and no scripts, since they come from users."""

from __future__ import annotations

import csv
import io
import mimetypes
import re
from collections.abc import Iterable
from typing import Any

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse

_NUMBER = re.compile(r"-?\d+([.,]\d+)?")


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading quote; numbers stay."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_response(rows: Iterable[list[Any]], filename: str) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    response = HttpResponse(buffer.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(rows: Iterable[list[Any]], filename: str, title: str) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    bold = Font(bold=True)
    for number, row in enumerate(rows):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            if number == 0:
                cell.font = bold
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def stored_file_response(field: FieldFile) -> FileResponse:
    """An uploaded file (a photo), inline, never interpreted as a page."""
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    content_type = mimetypes.guess_type(field.name or "")[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
