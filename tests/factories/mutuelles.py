"""Factories for staff accounts (organismes and mutuelles come from the reference data)."""
import factory
from django.contrib.auth.models import Group

from mutuelles.models import User

PASSWORD = "mot-de-passe-de-test-1"


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"agent{n}")
    first_name = "Salma"
    last_name = factory.Sequence(lambda n: f"Agent{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.ma")
    role = "agent"
    is_staff = factory.LazyAttribute(lambda o: o.role != "assure")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if not create:
            return
        group = Group.objects.filter(name=self.get_role_display()).first()
        if group is not None:
            self.groups.add(group)


def totp_code(device, *, step: int | None = None) -> str:
    """The code the staff member's authenticator app shows at time step `step` (now by default)."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift if step is None else 0)
    if step is not None:
        totp.time = device.t0 + step * device.step
    return f"{totp.token():0{device.digits}d}"


def next_step(device) -> int:
    """The next time step whose code the device accepts: each step's code works once, and the device
    accepts one step either side of the clock as it knows it (its drift follows the steps used)."""
    from django_otp.oath import TOTP

    now = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
    return max(device.last_t + 1, now - device.tolerance)


def enrol_second_factor(user) -> tuple:
    """Enrol an authenticator as a staff member does at first login (QR code scanned, first code typed):
    returns the confirmed device and the recovery codes handed out."""
    from mutuelles.second_factor import confirm_enrolment, start_enrolment

    device = start_enrolment(user=user)
    codes = confirm_enrolment(user=user, device=device, code=totp_code(device))
    assert codes is not None
    device.refresh_from_db()
    return device, codes


def regime_paid_by(fund):
    """The régime whose AMO share `fund` pays: the public sector's for the CNOPS; for another
    organisme, a régime of the tests with the public sector's values (letter keys, rates, deadlines, rights),
    paid by it, so that its members' claims are liquidated as usual and paid by that organisme."""
    from datetime import date

    from mutuelles.models import Regime, RegimePayer
    from tariffs.models import AMORate, DeadlineSuspension, EligibilityRule, FilingDeadlineRule, LetterKeyValue

    public = Regime.objects.get(code="AMO-PUBLIC")
    if public.payers.filter(fund=fund).exists():
        return public
    regime, created = Regime.objects.get_or_create(code=f"ESSAI-{fund.code}", defaults={"name_fr": "régime d'essai"})
    if created:
        RegimePayer.objects.create(regime=regime, fund=fund, valid_from=date(2005, 9, 1))
        for model in (LetterKeyValue, AMORate, FilingDeadlineRule, DeadlineSuspension, EligibilityRule):
            for row in model.objects.filter(regime=public):
                row.pk, row.regime = None, regime
                row.save()
    return regime
