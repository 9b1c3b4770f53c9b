"""Two agents of two mutuelles making the same child a dependant at the same moment: the second waits for
the first (the child's identity is locked until the transaction ends, on PostgreSQL), then sees the
child registered and refuses. Real transactions on two connections; PostgreSQL only."""
import threading
import time

import pytest
from django.db import connection, transaction

from beneficiaries.models import Dependent
from beneficiaries.services.duplicates import ChildAlreadyDeclared, lock_child
from beneficiaries.services.family_changes import accept_family_change
from tests.beneficiaries.family_support import declare, newborn
from tests.factories.beneficiaries import DependentFactory, InsuredFactory
from tests.factories.mutuelles import StaffFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks: PostgreSQL only (SQLite writes "
                                                                 "one transaction at a time)"),
]
#: How long the test waits for the second acceptance to queue behind the lock before giving up.
PATIENCE_SECONDS = 20


def waiting_for_an_advisory_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return cursor.fetchone()[0] > 0


def test_the_second_acceptance_of_the_same_child_waits_for_the_first_then_refuses(mgpap, mgen):
    # given: the mother's birth declaration (MGPAP), and the father's insured record (MGEN)
    mother = InsuredFactory(mutuelle=mgpap, user=StaffFactory(role="assure", mutuelle=None))
    father = InsuredFactory(mutuelle=mgen, registration_number="IMM-PERE-9090")
    change = declare(mother, "naissance", **newborn(first_name="Ilyas", sex="M"))
    agent = StaffFactory(role="agent", mutuelle=mgpap)
    outcome: dict = {}

    def accept_in_another_connection() -> None:
        try:
            accept_family_change(request_id=change.pk, by=agent)
            outcome["result"] = "acceptée"
        except ChildAlreadyDeclared as error:
            outcome["result"] = error.staff_message
        finally:
            connection.close()

    # when: the father's mutuelle registers the child in a transaction still open...
    with transaction.atomic():
        lock_child(change.birth_date)
        DependentFactory(insured=father, first_name="Ilyas", last_name=change.last_name, birth_date=change.birth_date)
        second = threading.Thread(target=accept_in_another_connection)
        second.start()
        deadline = time.monotonic() + PATIENCE_SECONDS
        while not waiting_for_an_advisory_lock() and second.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        queued = waiting_for_an_advisory_lock()
    # ...and commits while the mother's agent accepts
    second.join()
    # then: the acceptance waited for the lock, saw the child registered, and refused
    assert queued
    assert "IMM-PERE-9090" in outcome["result"]
    assert not Dependent.objects.filter(insured=mother).exists()
