"""The rule of accords, pure: given the accords of one beneficiary (already loaded), does one of
them cover this care? No database here, so that the liquidation of a chunk (accords loaded for
the whole chunk in one query), the preview of a claim and the public simulator take the same
decision from the same function (approvals.services.decisions loads the accords of one person).

An ALD claim carries the ALD code and the accord number written on the care sheet since January
2024 (domain.md §1.3, §8.1): the number finds the accord, and the accord decides; a code that
differs from the accord's declination, or names its heading, is a note for the agent, never a
refusal. An act under entente préalable (domain.md §3.4) is paid within a granted accord for that
act, in force on the care date, with enough sessions left; each claim line consumes its sessions once.
"""
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from approvals.models import GRANTED_STATUSES, Accord, AccordKind


@dataclass(frozen=True)
class AccordDecision:
    """What the register says about one claim line: `note` is for the agent, `reason` says why not."""

    covered: bool
    accord: Accord | None = None
    note: str = ""
    reason: str = ""


def normalised(text: str) -> str:
    return "".join((text or "").split()).upper()


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "—"


def pick_by_number(accords: Iterable[Accord], number: str, care_date: date) -> Accord | None:
    """The granted accord with this number, preferring one in force on `care_date`."""
    wanted = normalised(number)
    if not wanted:
        return None
    candidates = [a for a in accords if a.status in GRANTED_STATUSES and normalised(a.accord_number) == wanted]
    in_force = [a for a in candidates if a.covers(care_date)]
    return (in_force or candidates or [None])[0]


def decide_ald(accords: Iterable[Accord], ald_code: str, accord_number: str, care_date: date) -> AccordDecision:
    """The ETM decision for an ALD claim of the beneficiary whose accords are `accords`."""
    accord = pick_by_number(accords, accord_number, care_date)
    if accord is None or accord.kind != AccordKind.ETM:
        return AccordDecision(False, None, reason=_("Aucun accord ETM n°%(number)s pour ce bénéficiaire.")
                              % {"number": (accord_number or "").strip()})
    if not accord.covers(care_date):
        return AccordDecision(False, accord, reason=_("L'accord ETM n°%(number)s ne couvre pas le %(day)s "
                                                      "(valable du %(start)s au %(end)s).")
                              % {"number": accord.accord_number, "day": _day(care_date),
                                 "start": _day(accord.valid_from), "end": _day(accord.valid_until)})
    return AccordDecision(True, accord, note=ald_note(accord, normalised(ald_code)))


def ald_note(accord: Accord, typed: str) -> str:
    """Tell the agent when the code written differs from the accord's: the accord decides."""
    declination = accord.declination.code if accord.declination_id else ""
    heading = accord.ald.code if accord.ald_id else ""
    if not typed or typed == declination or (not declination and typed == heading):
        return ""
    if typed == heading:
        return _("Code ALD %(typed)s : c'est l'ALD de l'accord ; la déclinaison accordée est %(code)s.") % {
            "typed": typed, "code": declination}
    return _("Code ALD %(typed)s écrit sur la feuille, différent de celui de l'accord (%(code)s) : "
             "l'accord fait foi.") % {"typed": typed, "code": declination or heading}


@dataclass
class SessionLedger:
    """Sessions left on ententes while claims are decided: what the register holds, less what the
    lines decided so far take. A line that already consumed an accord (`by_line`, from the register)
    keeps it and takes nothing more, so that a claim liquidated again does not consume twice."""

    by_line: dict[int, int] = field(default_factory=dict)  # claim line id -> accord id already consumed
    taken: dict[int, int] = field(default_factory=dict)  # accord id -> sessions taken by this decision run
    new: list[tuple[Accord, int, int]] = field(default_factory=list)  # (accord, line id, quantity) to record

    def left(self, accord: Accord) -> int | None:
        if accord.quantity_granted is None:
            return None
        return accord.quantity_granted - accord.quantity_consumed - self.taken.get(accord.pk, 0)

    def take(self, accord: Accord, line_id: int | None, quantity: int) -> None:
        self.taken[accord.pk] = self.taken.get(accord.pk, 0) + quantity
        if line_id is not None and accord.pk is not None:
            self.new.append((accord, line_id, quantity))


def decide_entente(accords: Iterable[Accord], act_code: str, care_date: date, quantity: int = 1, *,
                   ledger: SessionLedger | None = None, line_id: int | None = None) -> AccordDecision:
    """The entente préalable in force for this act on `care_date` with enough sessions left; the
    sessions are taken from `ledger` (recorded by the caller for `line_id`)."""
    ledger = ledger if ledger is not None else SessionLedger()
    act = normalised(act_code)
    ententes = sorted((a for a in accords if a.kind == AccordKind.PRIOR_APPROVAL and act in a.act_codes
                       and a.covers(care_date)), key=lambda a: (a.valid_from, a.pk or 0))
    if not ententes:
        return AccordDecision(False, None, reason=_("Aucune entente préalable en vigueur le %(day)s pour l'acte "
                                                    "%(act)s.") % {"day": _day(care_date), "act": act})
    if line_id is not None and line_id in ledger.by_line:
        for accord in ententes:
            if accord.pk == ledger.by_line[line_id]:
                return AccordDecision(True, accord)
    for accord in ententes:
        left = ledger.left(accord)
        if left is None or left >= quantity:
            ledger.take(accord, line_id, quantity)
            return AccordDecision(True, accord)
    first = ententes[0]
    return AccordDecision(False, first, reason=_("Entente préalable n°%(number)s : %(left)s séance(s) "
                                                 "restante(s), %(asked)s demandée(s).")
                          % {"number": first.accord_number, "left": ledger.left(first), "asked": quantity})
