"""`manage.py load_reference_data`: load every reference data file in one transaction, idempotently."""
import argparse
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from amo_portal.reference_files import ReferenceDataError
from approvals.reference import load_approvals_reference
from claims.services.reference import load_rejection_reasons
from mutuelles.reference import load_mutuelle_reference
from tariffs.services.eligibility_reference import load_eligibility_rules
from tariffs.services.reference import load_tariff_reference


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"date invalide : « {text} » (format attendu AAAA-MM-JJ)") from None


class Command(BaseCommand):
    help = (
        "Charge les données de référence (organismes, mutuelles, taux, lettres clés, délais, ALD, "
        "médicaments, motifs de rejet) depuis <app>/data. Idempotent : une ligne inchangée n'est pas "
        "réécrite. Une ligne refusée annule tout le chargement."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data-dir", type=Path, default=Path(settings.BASE_DIR),
                            help="Dossier contenant mutuelles/data, tariffs/data et claims/data "
                                 "(par défaut : la racine du projet).")
        parser.add_argument("--medicines", type=Path, default=None,
                            help="Fichier des médicaments au format de l'export officiel (CNOPS/ANAM), "
                                 "séparateur ; ou , — par défaut : l'échantillon tariffs/data/medicines_sample.csv.")
        parser.add_argument("--prices-from", type=_iso_date, default=None,
                            help="Date (AAAA-MM-JJ) d'entrée en vigueur des prix du fichier : un prix modifié "
                                 "ferme le prix en vigueur à cette date (par défaut : 2005-09-01, prix de base).")

    def handle(self, *args: Any, data_dir: Path | str, medicines: Path | str | None, prices_from: date | str | None,
               **options: Any) -> None:
        # call_command() passes keyword options through without argparse's conversions.
        data_dir = Path(data_dir)
        medicines = Path(medicines) if medicines else None
        prices_from = _iso_date(prices_from) if isinstance(prices_from, str) else prices_from
        try:
            with transaction.atomic(durable=True):
                tables = [
                    *load_mutuelle_reference(data_dir=data_dir),
                    *load_tariff_reference(data_dir=data_dir, medicines_path=medicines, prices_from=prices_from),
                    load_eligibility_rules(data_dir=data_dir),
                    *load_approvals_reference(data_dir=data_dir),
                    *load_rejection_reasons(data_dir=data_dir),
                ]
        except ReferenceDataError as exc:
            raise CommandError(f"{exc.message.rstrip('.')}. Aucune donnée n'a été enregistrée.") from exc
        for table in tables:
            self.stdout.write(table.summary())
