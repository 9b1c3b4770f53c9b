"""A child is the dependant of one insured person only: the same child declared under two insured
parents (loi 65-00 art. 5; domain.md §3.2: with both parents insured the child is declared once, with
the father's organisme, and after a divorce goes with the parent who has custody) is found here, for
every path that makes a child a dependant: a birth or a custody change filed online, its acceptance
by an agent, and a dependant child added in the admin.

The same child: the same CNIE when both rows carry one; otherwise the same birth date and the same
first and last names once normalised (accents, case, spaces, hyphens and apostrophes ignored).
Only rows whose rights are not ended count: the dependant row not ended on the day, under an insured
person not struck off on that day.
"""
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext_lazy

from amo_portal.exceptions import DomainError
from beneficiaries.models import Dependent, Insured, InsuredStatus, Relationship
from beneficiaries.validators import ascii_digits, normalise_cnie

#: Key space of the PostgreSQL advisory locks taken here ("AMOF"), apart from any other lock.
LOCK_NAMESPACE = 0x414D4F46

MSG_ELSEWHERE_FOR_PERSON = gettext_lazy(
    "Cet enfant est déjà déclaré comme ayant droit d'un autre assuré : un enfant n'est couvert qu'au titre "
    "d'un seul parent. Si la garde a changé, le parent qui l'a aujourd'hui comme ayant droit doit d'abord "
    "signaler son départ à sa mutuelle (déclaration de changement de garde) ; déposez ensuite votre déclaration. "
    "En cas de doute, adressez-vous à votre mutuelle.")
MSG_ELSEWHERE_FOR_STAFF = ("Enfant déjà déclaré comme ayant droit de l'assuré n° {registration} ({mutuelle}), "
                           "depuis le {since:%d/%m/%Y} : un enfant n'est l'ayant droit que d'un seul assuré. "
                           "Refusez la déclaration, ou faites d'abord mettre fin à l'autre inscription "
                           "(changement de garde déclaré par l'autre parent).")
MSG_ALREADY_HERE = gettext_lazy("%(name)s est déjà votre ayant droit : il n'y a rien à déclarer.")
MSG_ALREADY_HERE_FOR_STAFF = "{name} est déjà ayant droit de cet assuré (inscrit le {since:%d/%m/%Y})."


@dataclass(frozen=True)
class ChildIdentity:
    """Who a child is, as declared: names, birth date, and the CNIE when the child has one."""

    first_name: str
    last_name: str
    birth_date: date
    cnie: str = ""


class ChildAlreadyDeclared(DomainError):
    """The child is already a dependant whose rights are not ended. `message` is for the insured person
    (it says only that the child is declared elsewhere, and what to do); `staff_message` names the
    other insured person's registration number, for the agent."""

    code = "enfant_deja_declare"

    def __init__(self, message: str, *, staff_message: str, found: Dependent):
        super().__init__(message, extra={"champs": {"__all__": [message]}})
        self.staff_message = staff_message
        self.found = found


def normalised_name(text: str) -> str:
    """"Aït-Ben Haddou", "ait ben haddou" and "AIT BENHADDOU" are one name: letters and digits only,
    without their accents, case-folded."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch)).casefold()


def identity_key(child: ChildIdentity) -> str:
    """The child's birth date and normalised names: what two requests about the same person share."""
    return f"personne:{child.birth_date.isoformat()}:{normalised_name(child.first_name)}:" \
           f"{normalised_name(child.last_name)}"[:255]


def _same_child(child: ChildIdentity, cnie: str, row: tuple) -> bool:
    """`row`: (pk, first name, last name, CNIE, birth date) of a dependant."""
    _pk, first_name, last_name, row_cnie, born = row
    if cnie and row_cnie:
        return normalise_cnie(row_cnie) == cnie
    return (born == child.birth_date and normalised_name(first_name) == normalised_name(child.first_name)
            and normalised_name(last_name) == normalised_name(child.last_name))


def _active_on(on: date) -> Q:
    return ((Q(ended_on__isnull=True) | Q(ended_on__gt=on))
            & ~Q(insured__status=InsuredStatus.STRUCK_OFF, insured__status_since__lte=on))


def children_matching(child: ChildIdentity, *, on: date) -> list[Dependent]:
    """Dependant children, in any family, who are this child and whose rights are not ended on `on`
    (read through the indexes on the birth date and on the CNIE: beneficiaries migration 0007, claims
    migration 0004). The candidates are read as plain tuples, the few matches as rows."""
    cnie = normalise_cnie(ascii_digits(child.cnie))
    same_day_or_cnie = Q(birth_date=child.birth_date) | Q(cnie=cnie) if cnie else Q(birth_date=child.birth_date)
    candidates = (Dependent.objects.filter(same_day_or_cnie, _active_on(on), relationship=Relationship.CHILD)
                  .values_list("pk", "first_name", "last_name", "cnie", "birth_date"))
    matched = [row[0] for row in candidates if _same_child(child, cnie, row)]
    if not matched:
        return []
    return list(Dependent.objects.filter(pk__in=matched).select_related("insured", "insured__mutuelle")
                .order_by("registered_on", "pk"))


def lock_child(birth_date: date) -> None:
    """Serialise, until the transaction ends, whatever makes a child born on `birth_date` a dependant:
    two agents of two mutuelles accepting the same child at the same moment are then seen one after
    the other (PostgreSQL; SQLite runs one writing transaction at a time anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, birth_date.toordinal()])


def check_child_not_declared(child: ChildIdentity, *, insured: Insured | None, on: date,
                             exclude_pk: int | None = None, within_family: bool = True) -> None:
    """Raise ChildAlreadyDeclared when the child is already the dependant of another insured person than
    `insured` with rights not ended on `on`: the one rule of every path (module docstring). With
    `within_family`, a child already a dependant of `insured` is refused too (a declaration online
    would register it twice); the admin, where agents correct the registry, leaves that to them."""
    for row in children_matching(child, on=on):
        if row.pk == exclude_pk or (insured is not None and row.insured_id == insured.pk and not within_family):
            continue
        if insured is not None and row.insured_id == insured.pk:
            message = str(MSG_ALREADY_HERE) % {"name": row.full_name}
            staff = MSG_ALREADY_HERE_FOR_STAFF.format(name=row.full_name, since=row.registered_on)
            raise ChildAlreadyDeclared(message, staff_message=staff, found=row)
        staff = MSG_ELSEWHERE_FOR_STAFF.format(registration=row.insured.registration_number,
                                               mutuelle=row.insured.mutuelle.code, since=row.registered_on)
        raise ChildAlreadyDeclared(str(MSG_ELSEWHERE_FOR_PERSON), staff_message=staff, found=row)
