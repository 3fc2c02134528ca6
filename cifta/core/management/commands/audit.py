"""``cifta audit verify`` checks both hash chains; ``cifta audit head`` prints the chain heads
so they can be recorded elsewhere (an anchor that a database administrator cannot rewrite)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cifta.core.chain import CHAINED_MODELS, chain_heads, verify_chain


class Command(BaseCommand):
    help = "Verify the tamper-evident audit chains, or print their heads."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "head"])
        parser.add_argument("--json", action="store_true", help="machine-readable output")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "head":
            heads = chain_heads()
            if options["json"]:
                self.stdout.write(json.dumps({k: {"rows": v[0], "hash": v[1]} for k, v in heads.items()}))
            else:
                for name, (seq, digest) in sorted(heads.items()):
                    self.stdout.write(f"{name}: {seq} rows, head {digest}")
            return
        failures = []
        report: dict[str, dict[str, Any]] = {}
        for model in CHAINED_MODELS:
            result = verify_chain(model)
            report[model.chain_name] = {"rows": result.rows, "ok": result.ok}
            if result.ok:
                if not options["json"]:
                    self.stdout.write(f"{model.chain_name}: {result.rows} rows, intact")
            else:
                brk = result.first_break
                assert brk is not None
                where = f"row seq={brk.seq}" if brk.seq is not None else "the end of the chain"
                message = f"{model.chain_name}: first broken link at {where}: {brk.reason}"
                report[model.chain_name]["first_break"] = {"seq": brk.seq, "reason": brk.reason}
                failures.append(message)
                if not options["json"]:
                    self.stderr.write(message)
        if options["json"]:
            self.stdout.write(json.dumps(report))
        if failures:
            raise CommandError("audit chain broken: " + "; ".join(failures))
