"""`manage.py load_reference_data`: first load, idempotent reload, refused rows, official medicines file."""
import shutil
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Max

from approvals.models import ALDDeclination, DecisionDeadline
from claims.models import RejectionReason
from mutuelles.models import ActComplement, AMOFund, ComplementaryRate, Mutuelle, MutuelleFundLink, Regime, RegimePayer
from tariffs.models import (
    ALDCondition,
    AMORate,
    DeadlineSuspension,
    EligibilityRule,
    FilingDeadlineRule,
    LetterKey,
    LetterKeyValue,
    Medicine,
    MedicinePrice,
)

TABLES = [AMOFund, Regime, RegimePayer, Mutuelle, MutuelleFundLink, ComplementaryRate, LetterKey, LetterKeyValue,
          AMORate, EligibilityRule, FilingDeadlineRule, DeadlineSuspension, ALDCondition, ALDDeclination,
          DecisionDeadline, Medicine, MedicinePrice, RejectionReason]

OFFICIAL_HEADER = ("CODE;NOM;DCI1;DOSAGE1;UNITE_DOSAGE1;FORME;PRESENTATION;PPV;PH;PRIX_BR;"
                   "PRINCEPS_GENERIQUE;TAUX_REMBOURSEMENT")


#: Deletion order: dependants first (PROTECT foreign keys).
DELETION_ORDER = [MedicinePrice, Medicine, LetterKeyValue, LetterKey, AMORate, EligibilityRule, FilingDeadlineRule,
                  DeadlineSuspension, ALDDeclination, DecisionDeadline, ALDCondition, ComplementaryRate, ActComplement,
                  MutuelleFundLink, RejectionReason, Mutuelle, RegimePayer, Regime, AMOFund]


@pytest.fixture
def empty_reference_tables(db):
    """tests/conftest.py loads the reference data for the whole session: empty it inside this test's
    transaction (rolled back afterwards) to see what a first load does. Plain DELETEs, so that the
    ORM's cascade collector does not visit the tables of other apps."""
    with connection.cursor() as cursor:
        for model in DELETION_ORDER:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608


def load(**options) -> str:
    out = StringIO()
    call_command("load_reference_data", stdout=out, **options)
    return out.getvalue()


def snapshot() -> dict[str, tuple]:
    """Row count and a fingerprint of every row of every reference table."""
    result = {}
    for model in TABLES:
        rows = model.objects.order_by("pk").values_list()
        result[model.__name__] = (len(rows), tuple(rows))
    return result


def last_updates() -> dict[str, dict]:
    return {m.__name__: m.objects.aggregate(Max("updated_at")) for m in (AMOFund, Mutuelle, LetterKey, Medicine)}


def copy_data_dir(tmp_path: Path) -> Path:
    for app in ("mutuelles", "tariffs", "claims", "approvals"):
        shutil.copytree(Path(settings.BASE_DIR) / app / "data", tmp_path / app / "data")
    return tmp_path


def write_official(path: Path, *rows: str) -> Path:
    path.write_text("\n".join([OFFICIAL_HEADER, *rows]) + "\n", encoding="utf-8-sig")
    return path


def value_in_force(key: str, regime: str, on: date) -> Decimal:
    return LetterKeyValue.objects.in_force(on).get(key__code=key, regime__code=regime).value


def mgpap_medicines_rate(on: date) -> Decimal:
    return ComplementaryRate.objects.in_force(on).get(
        mutuelle__code="MGPAP", group="medicaments", ald_linked=False).rate


def test_first_load_creates_every_reference_table(empty_reference_tables):
    # given empty reference tables
    # when
    output = load()
    # then
    assert AMOFund.objects.count() == 2
    assert Regime.objects.count() == RegimePayer.objects.count() == 2
    assert Mutuelle.objects.count() == 9
    assert set(Mutuelle.objects.values_list("regime__code", flat=True)) == {"AMO-PUBLIC"}
    assert MutuelleFundLink.objects.count() == 9
    assert ComplementaryRate.objects.count() == 35  # none for the FAR (domain.md §8.4)
    assert ActComplement.objects.count() == 1  # MGPAP's ceramic crown, 2026
    assert LetterKey.objects.count() == 20
    # the private sector's régime keeps only its sourced values: C and Cs, before and after 2020, D and DP
    assert LetterKeyValue.objects.count() == 27
    assert LetterKeyValue.objects.filter(regime__code="AMO-PRIVE").count() == 6  # with D and DP (CNSS, 2015)
    assert AMORate.objects.count() == 8
    assert not AMORate.objects.filter(regime__code="AMO-PRIVE").exists()
    assert FilingDeadlineRule.objects.count() == 4  # public: insured, third party, réclamation; private: insured
    assert DeadlineSuspension.objects.count() == 1
    assert EligibilityRule.objects.count() == 6  # 21, 26 and the days after a death, per régime
    assert ALDCondition.objects.count() == 41
    assert Medicine.objects.count() == MedicinePrice.objects.count() == 65
    assert RejectionReason.objects.filter(automatic=True).count() == 14
    assert "Mutuelles : créés 9, modifiés 0, inchangés 0" in output


@pytest.mark.django_db
def test_values_in_force_follow_the_dates_of_the_files():
    # given
    load()
    # when / then: 2006 grid for the public sector, 2020 revision for the private sector only
    # (domain.md §2.1-§2.2, §8.2), whoever pays
    assert value_in_force("Cs", "AMO-PUBLIC", date(2024, 5, 1)) == Decimal("150.00")
    assert value_in_force("Cs", "AMO-PRIVE", date(2021, 1, 1)) == Decimal("250.00")
    assert value_in_force("C", "AMO-PRIVE", date(2020, 1, 12)) == Decimal("80.00")
    assert not LetterKeyValue.objects.filter(key__code="B", regime__code="AMO-PRIVE").exists()
    # MGPAP medicines 16 % until 2025, 20 % from 1 January 2026 (domain.md §1.4)
    assert mgpap_medicines_rate(date(2025, 12, 31)) == Decimal("0.16")
    assert mgpap_medicines_rate(date(2026, 1, 1)) == Decimal("0.20")
    mgpap_acts = ComplementaryRate.objects.in_force(date(2026, 1, 1)).filter(mutuelle__code="MGPAP", group="actes")
    assert {r.flat_per_consultation for r in mgpap_acts} == {Decimal("10.00")}


@pytest.mark.django_db
def test_links_and_medicines_are_loaded_as_the_files_say():
    # given
    load()
    # when
    far = MutuelleFundLink.objects.get(mutuelle__code="FAR")
    doliprane = Medicine.objects.get(code="6118000000001")
    supradyn = Medicine.objects.get(name="SUPRADYN")
    # then
    assert (far.fund.code, far.footing, far.valid_from) == ("CNOPS", "convention", date(2022, 12, 1))
    assert not MutuelleFundLink.objects.filter(fund__code="CNSS").exists()
    assert doliprane.is_sample
    assert not doliprane.is_generic
    assert doliprane.reimbursable_from == date(2005, 9, 1)
    price = doliprane.prices.get()
    assert (price.ppv, price.pbr) == (Decimal("15.80"), Decimal("11.50"))
    assert supradyn.reimbursable_from is None
    assert Mutuelle.objects.get(code="MGPAP").name_ar == "التعاضدية العامة لموظفي الإدارات العمومية"


@pytest.mark.django_db
def test_second_load_changes_nothing_and_says_unchanged():
    # given
    load()
    before = snapshot()
    stamps = last_updates()
    # when
    output = load()
    # then
    assert snapshot() == before
    assert last_updates() == stamps
    assert "créés 0, modifiés 0" in output
    assert all("créés 0, modifiés 0, inchangés" in line for line in output.strip().splitlines())
    assert "Valeurs des lettres clés (TNR) : créés 0, modifiés 0, inchangés 27" in output


def test_overlapping_period_is_refused_with_file_and_line_and_nothing_is_written(empty_reference_tables, tmp_path):
    # given empty reference tables and a Cs value overlapping the open 2006 row, on line 29
    data_dir = copy_data_dir(tmp_path)
    with (data_dir / "tariffs/data/letter_key_values.csv").open("a", encoding="utf-8") as fh:
        fh.write("Cs,AMO-PUBLIC,,200.00,2020-01-01,,essai\n")
    # when
    with pytest.raises(CommandError) as error:
        load(data_dir=data_dir)
    # then
    message = str(error.value)
    assert "tariffs/data/letter_key_values.csv, ligne 29" in message
    assert "champ « valid_from »" in message
    assert "chevauche" in message
    assert all(count == 0 for count, _ in snapshot().values())  # organismes and mutuelles rolled back too


@pytest.mark.django_db
def test_refused_reload_leaves_the_loaded_data_unchanged(tmp_path):
    # given a loaded database and a rate above 100 % in a copy of the files
    load()
    before = snapshot()
    data_dir = copy_data_dir(tmp_path)
    rates = data_dir / "mutuelles/data/complementary_rates.csv"
    rates.write_text(rates.read_text(encoding="utf-8").replace("MGPAP,medicaments,false,0.2000",
                                                               "MGPAP,medicaments,false,1.2000"), encoding="utf-8")
    # when
    with pytest.raises(CommandError) as error:
        load(data_dir=data_dir)
    # then
    assert "mutuelles/data/complementary_rates.csv, ligne 19, champ « rate »" in str(error.value)
    assert snapshot() == before


@pytest.mark.django_db
def test_official_medicines_file_with_semicolons_and_decimal_commas_loads(tmp_path):
    # given an official-format export: BOM, `;`, decimal commas, "70%" and an empty PRIX_BR
    official = write_official(
        tmp_path / "officiel.csv",
        "6118000170011;AUGMENTIN;AMOXICILLINE + ACIDE CLAVULANIQUE;1 G/125;MG;COMPRIME;BOITE DE 12;"
        "118,00;82,60;82,50;P;70%",
        "6118000170028;AMOCLAN;AMOXICILLINE + ACIDE CLAVULANIQUE;1 G/125;MG;COMPRIME;BOITE DE 12;"
        "82,50;57,75;;G;70",
        "6118000170035;BEROCCA;VITAMINES;;;COMPRIME EFFERVESCENT;BOITE DE 15;1 069,00;;;P;0",
    )
    # when
    output = load(medicines=official)
    # then
    assert "Médicaments : créés 3, modifiés 0, inchangés 0" in output
    augmentin = Medicine.objects.get(code="6118000170011")
    assert not augmentin.is_sample
    assert not augmentin.is_generic
    assert augmentin.presentation == "1 G/125 MG, COMPRIME, BOITE DE 12"
    assert (augmentin.prices.get().ppv, augmentin.prices.get().pbr) == (Decimal("118.00"), Decimal("82.50"))
    amoclan = Medicine.objects.get(code="6118000170028")
    assert amoclan.is_generic
    assert amoclan.prices.get().pbr == Decimal("82.50")
    berocca = Medicine.objects.get(code="6118000170035")
    assert berocca.reimbursable_from is None
    assert berocca.prices.get().ppv == Decimal("1069.00")


@pytest.mark.django_db
def test_new_official_prices_close_the_open_price_at_the_given_date(tmp_path):
    # given an official file already loaded
    row = "6118000170011;AUGMENTIN;AMOXICILLINE + ACIDE CLAVULANIQUE;1 G/125;MG;COMPRIME;BOITE DE 12;{};;{};P;70%"
    other = "6118000170028;AMOCLAN;AMOXICILLINE + ACIDE CLAVULANIQUE;1 G/125;MG;COMPRIME;BOITE DE 12;82,50;;;G;70%"
    load(medicines=write_official(tmp_path / "v1.csv", row.format("118,00", "82,50"), other))
    # when a new list lowers the Augmentin price from 2026-01-01
    output = load(medicines=write_official(tmp_path / "v2.csv", row.format("110,00", "80,00"), other),
                  prices_from=date(2026, 1, 1))
    # then
    old, new = MedicinePrice.objects.filter(medicine__code="6118000170011").order_by("valid_from")
    assert (old.valid_from, old.valid_to, old.ppv) == (date(2005, 9, 1), date(2026, 1, 1), Decimal("118.00"))
    assert (new.valid_from, new.valid_to, new.ppv, new.pbr) == (date(2026, 1, 1), None, Decimal("110.00"),
                                                                 Decimal("80.00"))
    assert MedicinePrice.objects.filter(medicine__code="6118000170028").count() == 1
    assert "Prix des médicaments : créés 1, modifiés 1, inchangés 1" in output


@pytest.mark.django_db
def test_a_value_no_longer_in_its_file_is_withdrawn_at_the_next_load(tmp_path):
    # given: the files loaded, then the private sector's 2020 C value taken out of its file
    data_dir = copy_data_dir(tmp_path)
    load(data_dir=data_dir)
    path = data_dir / "tariffs/data/letter_key_values.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith("C,AMO-PRIVE,,150.00")), encoding="utf-8")
    # when
    output = load(data_dir=data_dir)
    # then
    assert "Valeurs des lettres clés (TNR) : créés 0, modifiés 0, inchangés 26, retirés 1" in output
    withdrawn = LetterKeyValue.objects.filter(key__code="C", regime__code="AMO-PRIVE", valid_from=date(2020, 1, 13))
    assert not withdrawn.exists()
    assert value_in_force("C", "AMO-PUBLIC", date(2021, 1, 1)) == Decimal("80.00")
