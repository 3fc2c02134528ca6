"""Every user-visible string has a translation in es, fr and pt, and the compiled catalogues
are up to date. Fails when someone adds a string in code or templates without translating it."""

from __future__ import annotations

import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

PACKAGE = Path(settings.BASE_DIR)
LANGS = ("es", "fr", "pt")


def _catalogue(lang: str) -> Path:
    return PACKAGE / "locale" / lang / "LC_MESSAGES" / "django.po"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict[str, polib.POFile]:
    """Run makemessages over a copy of the code so the committed catalogues are untouched."""
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext (xgettext) is required for this check: apt-get install gettext")
    copy = tmp_path_factory.mktemp("i18n") / "cifta"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.rmtree(copy / "locale")
    (copy / "locale").mkdir()
    import os

    from django.test import override_settings

    cwd = os.getcwd()
    os.chdir(copy)
    try:
        with override_settings(LOCALE_PATHS=[copy / "locale"]):
            call_command("makemessages", locale=list(LANGS), extensions=["html", "txt", "py"], verbosity=0,
                         ignore_patterns=["*/tests/*", "*/migrations/*", "testing/*"], no_location=True)
    finally:
        os.chdir(cwd)
    return {lang: polib.pofile(str(copy / "locale" / lang / "LC_MESSAGES" / "django.po")) for lang in LANGS}


@pytest.mark.parametrize("lang", LANGS)
def test_every_string_in_code_and_templates_is_translated(extracted, lang):
    committed = {(e.msgctxt, e.msgid): e for e in polib.pofile(str(_catalogue(lang)))}
    missing = []
    for entry in extracted[lang]:
        known = committed.get((entry.msgctxt, entry.msgid))
        if known is None or not known.translated():  # polib: not fuzzy, not obsolete, every form filled
            missing.append(entry.msgid)
    assert missing == [], f"{len(missing)} strings lack a {lang} translation, e.g. {missing[:5]}"


@pytest.mark.parametrize("lang", LANGS)
def test_compiled_catalogue_matches_its_source(lang):
    source = polib.pofile(str(_catalogue(lang)))
    compiled_path = _catalogue(lang).with_suffix(".mo")
    assert compiled_path.exists(), "run compilemessages"
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
                for e in polib.mofile(str(compiled_path))}
    for entry in source.translated_entries():
        assert compiled.get((entry.msgctxt, entry.msgid)) == (
            entry.msgstr, tuple(sorted(entry.msgstr_plural.items()))
        ), f"{lang}: {entry.msgid!r} differs between .po and .mo: run compilemessages"
