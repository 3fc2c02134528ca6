"""``cifta reference load`` loads the seed tables; ``cifta reference import KIND FILE`` and
``cifta reference export KIND`` exchange a table as CSV (kinds: types, parts, calibres,
manufacturers, models). An import with any bad row changes nothing and names each bad row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cifta.core.context import Source, change_context
from cifta.reference import csvio

ACTOR = "system:reference"


class Command(BaseCommand):
    help = "Load, import or export reference data."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["load", "import", "export"])
        parser.add_argument("kind", nargs="?", choices=list(csvio.KINDS))
        parser.add_argument("file", nargs="?")

    def handle(self, *args: Any, **options: Any) -> None:
        action, kind = options["action"], options["kind"]
        if action == "export":
            if not kind:
                raise CommandError("export needs a table: " + ", ".join(csvio.KINDS))
            self.stdout.write(csvio.export_csv(kind), ending="")
            return
        with change_context(ACTOR, Source.COMMAND):
            if action == "load":
                reports = csvio.load_seed()
            else:
                if not kind or not options["file"]:
                    raise CommandError("import needs a table and a file")
                text = _read(Path(options["file"]))
                reports = [csvio.import_csv(kind, text, source=Path(options["file"]).name)]
        failed = False
        for report in reports:
            self.stdout.write(f"{report.kind}: {report.created} created, {report.updated} updated, "
                              f"{report.unchanged} unchanged")
            for error in report.errors:
                failed = True
                self.stderr.write(f"  {error}")
        if failed:
            raise CommandError("nothing was imported from a table with errors")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CommandError(f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8 CSV") from exc
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror}") from exc
