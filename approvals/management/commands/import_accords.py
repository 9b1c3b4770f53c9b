"""`manage.py import_accords FILE`: accords decided outside the portal, all or nothing, idempotent."""
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from approvals.services.imports import AccordImportRefused, import_accords


class Command(BaseCommand):
    help = ("Importe des accords (ETM, ententes préalables) depuis un fichier CSV. Une ligne refusée annule "
            "tout l'import ; un accord déjà enregistré à l'identique n'est pas réécrit.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="Fichier CSV (UTF-8, séparateur ; ou ,).")

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        try:
            content = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Fichier illisible : {path} ({exc}).") from exc
        try:
            report = import_accords(content=content, file_name=Path(path).name, by=None)
        except AccordImportRefused as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(report.summary())
