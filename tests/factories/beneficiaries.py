"""Factories for insured persons, dependants and ETM accords, valid by default."""
import random
from datetime import date

import factory

from approvals.models import ETMAccord
from beneficiaries.models import Dependent, Insured, StudyCertificate
from beneficiaries.validators import rib_key
from mutuelles.models import AMOFund, Mutuelle
from tariffs.models import ALDCondition


def valid_rib(seed: int | None = None) -> str:
    rng = random.Random(seed)
    prefix = "".join(str(rng.randint(0, 9)) for _ in range(22))
    return prefix + rib_key(prefix)


class InsuredFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Insured

    registration_number = factory.Sequence(lambda n: f"IMM{n:09d}")
    affiliation_number = factory.Sequence(lambda n: f"AFF{n:08d}")
    cnie = factory.Sequence(lambda n: f"AB{n:06d}")
    last_name = factory.Sequence(lambda n: f"Alaoui{n}")
    first_name = "Karim"
    birth_date = date(1980, 4, 12)
    sex = "M"
    status = "actif"
    status_since = date(2005, 9, 1)
    affiliated_on = date(2005, 9, 1)
    administration = "Ministère de l'Éducation nationale"
    rib = factory.Sequence(valid_rib)
    email = factory.LazyAttribute(lambda o: f"{o.cnie.lower()}@example.ma")
    mutuelle = factory.LazyFunction(lambda: Mutuelle.objects.get(code="MGPAP"))
    fund = factory.LazyFunction(lambda: AMOFund.objects.get(code="CNOPS"))
    regime = factory.LazyAttribute(lambda o: o.mutuelle.regime)


class DependentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dependent

    insured = factory.SubFactory(InsuredFactory)
    relationship = "enfant"
    last_name = factory.LazyAttribute(lambda o: o.insured.last_name)
    first_name = "Yasmine"
    birth_date = date(2010, 6, 15)
    sex = "F"
    registered_on = factory.LazyAttribute(lambda o: max(o.birth_date, o.insured.affiliated_on))


class StudyCertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StudyCertificate

    dependent = factory.SubFactory(DependentFactory)
    academic_year = "2025-2026"
    valid_from = date(2025, 9, 1)
    valid_until = date(2026, 8, 31)


class ETMAccordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ETMAccord

    accord_number = factory.Sequence(lambda n: f"ETM{n:07d}")
    insured = factory.SubFactory(InsuredFactory)
    dependent = None
    ald = factory.LazyFunction(lambda: ALDCondition.objects.get(code="9"))
    valid_from = date(2024, 1, 1)
    valid_until = date(2028, 12, 31)
