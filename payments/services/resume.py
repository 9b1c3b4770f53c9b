"""The jobs a lost worker or a lost message left half-done, read from the database (the pipeline,
payments/pipeline.py, queues them again). Every job is idempotent and resumes from the database, so
enqueuing one that is still running only makes two take turns."""
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

