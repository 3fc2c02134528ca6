"""The ``cifta`` console script: Django's management commands under one name.

    cifta demo            prepare the demo world and serve it
    cifta audit verify    check the audit hash chains
    cifta migrate         ... and every other management command
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cifta.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["cifta", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
