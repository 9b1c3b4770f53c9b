"""What happened to a bordereau that sets background work going.

The services say what happened (`announce`); which jobs follow, in which order and how many side by
side, is the pipeline's knowledge (payments/pipeline.py), connected here when the app is ready
(payments/apps.py). Services thus never know the tasks that carry their work on.
"""
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import ImproperlyConfigured


class Happened(StrEnum):
    BUILD_REQUESTED = "build_requested"  # a bordereau opened (or joined) to be constituted
    APPROVED = "approved"  # an officer approved a presented bordereau
    EXECUTION_REQUESTED = "execution_requested"  # an officer starts the execution again
    ORDER_RECORDED = "order_recorded"  # the transfer order is on record, the bordereau sent
    REJECTED = "rejected"  # an officer rejected the bordereau: its claims are to be given back
    RETURN_IMPORTED = "return_imported"  # a bank return brought new answers to settle


@dataclass(frozen=True)
class Event:
    what: Happened
    bordereau_id: int
    by_id: int | None = None


_listener: list[Callable[[Event], None]] = []  # the pipeline's, set once the app is ready


def listen(listener: Callable[[Event], None]) -> None:
    """Connect the one listener (connecting again replaces it: the app's ready() may run again)."""
    _listener[:] = [listener]


def announce(event: Event) -> None:
    """Tell the listener at once: it queues what follows on the commit of the caller's transaction."""
    if not _listener:
        raise ImproperlyConfigured("Aucun enchaînement des traitements de paiement n'est branché.")
    _listener[0](event)
