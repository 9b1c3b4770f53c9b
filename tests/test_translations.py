"""Every text the insured person reads (pages, e-mails, PDFs) exists in Arabic: the catalogue is
regenerated from the sources (makemessages, python and templates) in a copy of the project, and no
Arabic entry may be left empty or fuzzy. The compiled catalogue (.mo) is the one of the .po."""
import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

PROJECT = Path(settings.BASE_DIR)
CATALOGUE = Path("locale/ar/LC_MESSAGES/django.po")
#: What makemessages leaves out, as the catalogue's header says (tests and benchmarks are not read by users).
IGNORED = [".venv", "tests/*", "bench/*"]
NOT_COPIED = shutil.ignore_patterns(".git", ".venv", "tests", "bench", "media", "staticfiles", "fonts", "docs",
                                    "__pycache__", "*.sqlite3", ".*_cache")

pytestmark = pytest.mark.skipif(shutil.which("msgattrib") is None, reason="GNU gettext is not installed")


def _msgids(po: Path, flag: str) -> list[str]:
    listed = subprocess.run(["msgattrib", flag, "--no-obsolete", "--no-location", "--no-wrap", str(po)],
                            check=True, capture_output=True, text=True).stdout
    return [m for m in re.findall(r'^msgid "(.*)"$', listed, flags=re.MULTILINE) if m]


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    """The Arabic catalogue after makemessages has read today's sources, in a copy of the project."""
    copy = tmp_path_factory.mktemp("catalogue") / "project"
    shutil.copytree(PROJECT, copy, ignore=NOT_COPIED)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(copy)
        patch.setattr(settings, "LOCALE_PATHS", [copy / "locale"])
        call_command("makemessages", locale=["ar"], domain="django", ignore_patterns=IGNORED, verbosity=0)
    return copy / CATALOGUE


def test_no_arabic_entry_is_left_empty(regenerated):
    # when
    empty = _msgids(regenerated, "--untranslated")
    # then
    assert empty == [], f"{len(empty)} texts without Arabic in {CATALOGUE}: {empty}"


def test_no_arabic_entry_is_fuzzy(regenerated):
    # when
    fuzzy = _msgids(regenerated, "--only-fuzzy")
    # then
    assert fuzzy == [], f"{len(fuzzy)} fuzzy Arabic entries (to check, then unflag) in {CATALOGUE}: {fuzzy}"


def test_the_makemessages_run_reads_the_portal_sources(regenerated):
    # the check above is worth something only if the sources were read: strings of a page, a form, a PDF
    msgids = set(_msgids(regenerated, "--translated"))
    for msgid in ("Décompte de remboursement", "Mot de passe",
                  "Attestation de droits à l'Assurance Maladie Obligatoire"):
        assert msgid in msgids


def test_the_committed_mo_is_compiled_from_the_committed_po(tmp_path):
    # given
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(compiled), str(PROJECT / CATALOGUE)], check=True)
    # when
    committed = gettext.GNUTranslations((PROJECT / CATALOGUE.with_suffix(".mo")).open("rb"))
    fresh = gettext.GNUTranslations(compiled.open("rb"))
    # then
    assert committed._catalog == fresh._catalog


def test_no_script_needs_a_javascript_catalogue():
    # the djangojs domain is not extracted: no script of the portal translates text itself
    scripts = [path for path in (PROJECT / "static").rglob("*.js") if "gettext(" in path.read_text(encoding="utf-8")]
    # then
    assert scripts == []
