"""Restart the jobs a lost worker or a lost message left half-done. Every job is idempotent and
resumes from the database, so enqueuing one that is still running only makes two take turns."""
from django.db.models import Exists, OuterRef

from payments.models import BankReturnLine, Bordereau, BordereauLine, BordereauStatus, LineState, TransferOrder


def unfinished_jobs() -> dict[str, list[int]]:
    """Bordereau ids per job still to run: constitution, restitution, execution, settlement, PDF."""
    pending = BordereauLine.objects.filter(bordereau_id=OuterRef("pk"), state=LineState.PENDING)
    answered = BankReturnLine.objects.filter(line__bordereau_id=OuterRef("pk"), line__state=LineState.PENDING)
    ids = Bordereau.objects.values_list("pk", flat=True)
    return {
        "build": list(ids.filter(status=BordereauStatus.BUILDING)),
        "release": list(ids.filter(status=BordereauStatus.REJECTED).filter(Exists(pending))),
        "execute": list(ids.filter(status=BordereauStatus.APPROVED)
                        .exclude(Exists(TransferOrder.objects.filter(bordereau_id=OuterRef("pk"))))),
        "settle": list(ids.filter(status=BordereauStatus.SENT).filter(Exists(answered))),
        "archive": list(ids.filter(status__in=[BordereauStatus.APPROVED, BordereauStatus.SENT,
                                               BordereauStatus.SETTLED], bordereau_pdf="")),
    }


def resume_unfinished_jobs() -> dict[str, list[int]]:
    from payments.services.building import BUILDERS
    from payments.services.settlement import SETTLERS
    from payments.tasks import (
        archive_bordereau_pdf_task,
        build_bordereau_task,
        execute_bordereau_task,
        release_bordereau_task,
        settle_bordereau_task,
    )

    jobs = unfinished_jobs()
    tasks = {"build": build_bordereau_task, "release": release_bordereau_task, "execute": execute_bordereau_task,
             "settle": settle_bordereau_task, "archive": archive_bordereau_pdf_task}
    side_by_side = {"build": BUILDERS, "settle": SETTLERS}  # tasks that share one bordereau's claims
    for name, bordereau_ids in jobs.items():
        for bordereau_id in bordereau_ids:
            for _ in range(side_by_side.get(name, 1)):
                tasks[name].delay(bordereau_id)
    return jobs
