"""`manage.py simulate_bank_return BORDEREAU`: the bank's answer to a bordereau's transfer order,
simulated for demonstrations (payments/services/demo_bank.py), imported as a real return."""
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from amo_portal.exceptions import DomainError
from mutuelles.services import system_user
from payments.models import Bordereau
from payments.services.demo_bank import DEFAULT_REASON, Rejections, parse_rejection, simulate_bank_return


class Command(BaseCommand):
    help = ("Simule la réponse de la banque à l'ordre de virement d'un bordereau (démonstration, réglage "
            "AMO_DEMO_BANK) : tous les virements exécutés, sauf ceux que les options rejettent.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("bordereau", help="numéro du bordereau (BRD-…)")
        parser.add_argument("--reject", action="append", default=[], metavar="REFERENCE[:CODE]",
                            help="rejeter ce virement (…-A / …-C), les deux parts d'une référence de paiement ou "
                                 f"d'un dossier ; CODE : motif ISO 20022 ({DEFAULT_REASON} par défaut)")
        parser.add_argument("--reject-share", action="append", default=[], metavar="A|C[:CODE]",
                            help="rejeter tous les virements d'un payeur : A part AMO, C part complémentaire")
        parser.add_argument("--reject-random", type=int, default=0, metavar="N",
                            help="rejeter N virements tirés au hasard")
        parser.add_argument("--reason", default=DEFAULT_REASON, help="motif des rejets au hasard")
        parser.add_argument("--seed", type=int, default=None, help="graine du tirage (tirage reproductible)")
        parser.add_argument("--by", default="", metavar="IDENTIFIANT",
                            help="compte nommé comme ayant intégré le retour (par défaut : traitement automatique)")

    def handle(self, *args, **options) -> None:
        bordereau = Bordereau.objects.select_related("mutuelle", "fund").filter(number=options["bordereau"]).first()
        if bordereau is None:
            raise CommandError(f"Bordereau « {options['bordereau']} » introuvable.")
        by = system_user()
        if options["by"]:
            by = get_user_model().objects.filter(username=options["by"]).first()
            if by is None:
                raise CommandError(f"Compte « {options['by']} » introuvable.")
        try:
            rejections = Rejections(
                references=dict(parse_rejection(text) for text in options["reject"]),
                payers=dict(parse_rejection(text) for text in options["reject_share"]),
                random_count=options["reject_random"], random_reason=options["reason"], seed=options["seed"])
            bank_return = simulate_bank_return(bordereau=bordereau, by=by, rejections=rejections)
        except DomainError as error:
            raise CommandError(error.message) from None
        bordereau.refresh_from_db()
        self.stdout.write(self.style.SUCCESS(
            f"Retour banque simulé {bank_return.file_name} intégré : {bank_return.accepted_count} virement(s) "
            f"exécuté(s) ({bank_return.accepted_total} DH), {bank_return.rejected_count} rejeté(s) "
            f"({bank_return.rejected_total} DH). Bordereau {bordereau.number} : {bordereau.get_status_display()}."))
