"""Read side of the CNOPS dashboard: claims filed, liquidated, rejected (by reason) and paid, per
mutuelle and per week; amounts paid by each payer; the delay from filing to payment (median and
90th percentile) against the 60-day mark (domain.md §7). Scoped to what the user may see."""
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from amo_portal.money import ZERO
from claims.models import ClaimStatus, ClaimStatusChange, RejectionReason
from claims.selectors import claims_visible_to
from mutuelles.models import Mutuelle
from payments.charts import Series, bar_chart, horizontal_bars, line_chart
from payments.models import LineState
from payments.selectors import lines_visible_to

#: The legal mark: a claim should be paid within 60 days of its filing (domain.md §7).
LEGAL_DELAY_DAYS = 60
WEEK_CHOICES = (4, 8, 12, 26, 52)
DEFAULT_WEEKS = 12


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class DashboardFilters:
    weeks: int
    mutuelle_id: int | None
    start: date
    end: date
    mutuelles: list = field(default_factory=list, compare=False)

    @classmethod
    def from_query(cls, query, *, user, today: date | None = None) -> "DashboardFilters":
        today = today or timezone.localdate()
        try:
            weeks = int(query.get("semaines", DEFAULT_WEEKS))
        except ValueError:
            weeks = DEFAULT_WEEKS
        weeks = weeks if weeks in WEEK_CHOICES else DEFAULT_WEEKS
        mutuelles = list(Mutuelle.objects.order_by("code"))
        chosen = query.get("mutuelle", "")
        mutuelle_id = next((m.pk for m in mutuelles if str(m.pk) == chosen), None)
        return cls(weeks, mutuelle_id, monday(today) - timedelta(weeks=weeks - 1), today, mutuelles)

    @property
    def week_starts(self) -> list[date]:
        return [self.start + timedelta(weeks=i) for i in range(self.weeks)]


def _day(value) -> date:
    return timezone.localdate(value) if isinstance(value, datetime) else value


def percentile(values: list[int], share: float) -> float | None:
    """Nearest-rank percentile (the value below which `share` of the delays fall)."""
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[max(0, math.ceil(share * len(ordered)) - 1)])


@dataclass
class Counts:
    filed: int = 0
    liquidated: int = 0
    rejected: int = 0
    paid: int = 0
    amo_paid: Decimal = ZERO
    complementary_paid: Decimal = ZERO
    delays: list[int] = field(default_factory=list)

    @property
    def median_delay(self) -> float | None:
        return float(statistics.median(self.delays)) if self.delays else None

    @property
    def p90_delay(self) -> float | None:
        return percentile(self.delays, 0.9)

    @property
    def on_time_share(self) -> float | None:
        if not self.delays:
            return None
        return 100 * sum(1 for d in self.delays if d <= LEGAL_DELAY_DAYS) / len(self.delays)


def _period_bounds(filters: DashboardFilters) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (datetime.combine(filters.start, time.min, tzinfo=tz),
            datetime.combine(filters.end + timedelta(days=1), time.min, tzinfo=tz))


def collect(filters: DashboardFilters, user) -> tuple[dict, dict, Counts, dict]:
    """Counts per week, per mutuelle and overall, and rejections per reason."""
    claims = claims_visible_to(user=user)
    lines = lines_visible_to(user=user).filter(state=LineState.PAID, paid_on__gte=filters.start,
                                               paid_on__lte=filters.end)
    if filters.mutuelle_id:
        claims = claims.filter(mutuelle_id=filters.mutuelle_id)
        lines = lines.filter(bordereau__mutuelle_id=filters.mutuelle_id)
    since, until = _period_bounds(filters)
    by_week: dict[date, Counts] = defaultdict(Counts)
    by_mutuelle: dict[str, Counts] = defaultdict(Counts)
    overall = Counts()

    def add(week, mutuelle: str, name: str, amount) -> None:
        for bucket in (by_week[monday(_day(week))], by_mutuelle[mutuelle], overall):
            setattr(bucket, name, getattr(bucket, name) + amount)

    for row in (claims.filter(filed_on__gte=filters.start, filed_on__lte=filters.end)
                .annotate(week=TruncWeek("filed_on")).values("week", "mutuelle__code").annotate(n=Count("id"))):
        add(row["week"], row["mutuelle__code"], "filed", row["n"])
    for row in (claims.filter(liquidated_at__gte=since, liquidated_at__lt=until)
                .annotate(week=TruncWeek("liquidated_at")).values("week", "mutuelle__code").annotate(n=Count("id"))):
        add(row["week"], row["mutuelle__code"], "liquidated", row["n"])
    reasons: dict[str, int] = defaultdict(int)
    for row in (ClaimStatusChange.objects.filter(to_status=ClaimStatus.REJECTED, changed_at__gte=since,
                                                 changed_at__lt=until, claim__in=claims)
                .annotate(week=TruncWeek("changed_at"))
                .values("week", "claim__mutuelle__code", "claim__rejection_code")
                .annotate(n=Count("claim", distinct=True))):
        add(row["week"], row["claim__mutuelle__code"], "rejected", row["n"])
        reasons[row["claim__rejection_code"] or "sans_code"] += row["n"]
    for row in (lines.annotate(week=TruncWeek("paid_on")).values("week", "bordereau__mutuelle__code")
                .annotate(n=Count("id"), amo=Sum("amo_paid"), complementary=Sum("complementary_paid"))):
        add(row["week"], row["bordereau__mutuelle__code"], "paid", row["n"])
        add(row["week"], row["bordereau__mutuelle__code"], "amo_paid", row["amo"] or ZERO)
        add(row["week"], row["bordereau__mutuelle__code"], "complementary_paid", row["complementary"] or ZERO)
    for paid_on, filed_on, code in lines.values_list("paid_on", "claim__filed_on", "bordereau__mutuelle__code"):
        if filed_on is not None:
            delay = (paid_on - filed_on).days
            for bucket in (by_week[monday(paid_on)], by_mutuelle[code], overall):
                bucket.delays.append(delay)
    return by_week, by_mutuelle, overall, reasons


def _label(day: date) -> str:
    return day.strftime("%d/%m")


def dashboard_data(*, filters: DashboardFilters, user) -> dict:
    by_week, by_mutuelle, overall, reasons = collect(filters, user)
    weeks = filters.week_starts
    labels = [_label(w) for w in weeks]
    rows = [by_week[w] for w in weeks]
    reason_labels = dict(RejectionReason.objects.values_list("code", "label"))
    reason_items = sorted(((reason_labels.get(code, code), n) for code, n in reasons.items()), key=lambda i: -i[1])
    return {
        "overall": overall,
        "weeks": list(zip(weeks, rows, strict=True)),
        "mutuelles": sorted(by_mutuelle.items()),
        "reasons": reason_items,
        "legal_days": LEGAL_DELAY_DAYS,
        "volume_chart": bar_chart(title="Dossiers par semaine", labels=labels, series=[
            Series("déposés", [r.filed for r in rows]), Series("liquidés", [r.liquidated for r in rows]),
            Series("rejetés", [r.rejected for r in rows]), Series("payés", [r.paid for r in rows])]),
        "amount_chart": bar_chart(title="Montants payés par semaine et par payeur", labels=labels, stacked=True,
                                  unit=" DH", series=[
                                      Series("organisme (part AMO)", [r.amo_paid for r in rows]),
                                      Series("mutuelle (part complémentaire)", [r.complementary_paid for r in rows])]),
        "delay_chart": line_chart(title="Délai du dépôt au paiement (jours)", labels=labels, unit=" j",
                                  mark=LEGAL_DELAY_DAYS, mark_label=f"{LEGAL_DELAY_DAYS} jours (délai légal)",
                                  series=[Series("médiane", [r.median_delay for r in rows]),
                                          Series("90e centile", [r.p90_delay for r in rows])]),
        "reason_chart": horizontal_bars(title="Dossiers rejetés par motif", items=reason_items[:12]),
    }
