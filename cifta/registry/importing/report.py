"""The rejected rows of an import, as a CSV a person can open, correct and import again: the
line, the field and the reason first, then the row's own columns as they were read."""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings

PREFIX = ["error line", "error field", "error"]


def report_path(job: Any) -> Path:
    """Where a job's report lives (under MEDIA_ROOT, served only through the job's page)."""
    return Path(settings.MEDIA_ROOT) / "imports" / "reports" / f"{job.public_id}-rejected.csv"


_NUMBER = re.compile(r"-?\d+([.,]\d+)?")


def _text(value: Any) -> str:
    """A cell as text; text a spreadsheet would run as a formula gets a leading apostrophe
    (spreadsheets hide it and drop it when the file is saved again)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


class ReportWriter:
    """Appends rejected rows; on a resumed job, first drops what an uncommitted batch wrote."""

    def __init__(self, path: Path, headers: Sequence[str], *, keep_through_line: int | None) -> None:
        self.path = path
        self.headers = list(headers)
        path.parent.mkdir(parents=True, exist_ok=True)
        if keep_through_line is None or not path.exists():
            self._handle = open(path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed in close()
            self._writer = csv.writer(self._handle)
            self._writer.writerow(PREFIX + self.headers)
        else:
            self._trim(keep_through_line)
            self._handle = open(path, "a", encoding="utf-8", newline="")  # noqa: SIM115 - closed in close()
            self._writer = csv.writer(self._handle)

    def _trim(self, last_line: int) -> None:
        """Keep the header and the rows of committed batches (line <= last_line)."""
        temp = self.path.with_suffix(".tmp")
        with open(self.path, encoding="utf-8-sig", newline="") as source, \
                open(temp, "w", encoding="utf-8-sig", newline="") as target:
            reader, writer = csv.reader(source), csv.writer(target)
            for number, row in enumerate(reader):
                if number == 0 or (row and row[0].isdigit() and int(row[0]) <= last_line):
                    writer.writerow(row)
        os.replace(temp, self.path)

    def add(self, line: int, field: str, message: str, values: Sequence[Any]) -> None:
        self._writer.writerow([line, field, message, *(_text(v) for v in values)])

    def flush(self) -> None:
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()
