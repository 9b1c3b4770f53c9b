"""Demo data for `make run`: insured persons of several mutuelles, dependants, an ALD patient,
staff of two mutuelles and a CNOPS officer, and a few claims filed through the real services."""
import io
import random
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from amo_portal.documents import CheckedDocument, check_document
from approvals.models import ETMAccord
from beneficiaries.models import Dependent, Insured, StudyCertificate
from beneficiaries.validators import rib_key
from claims.models import Claim
from claims.services.intake import ClaimDraft, submit_claim
from claims.services.pricing import LineInput
from mutuelles.models import AMOFund, Mutuelle, StaffRole
from mutuelles.payer_accounts import load_demo_payer_accounts
from mutuelles.services import create_staff
from tariffs.models import ALDCondition, Medicine

DEMO_PASSWORD = "demo-AMO-2026"
#: DEMO ONLY, public like the password above: the authenticator key (base32 MRSW23ZNIFGU6LJS...) of every
#: demo staff account, so that `make run` can be signed into at once, and recovery codes put back on
#: each run. Real staff accounts enrol their own phone at first login (mutuelles.second_factor).
DEMO_TOTP_KEY = b"demo-AMO-2026-totp!!".hex()
DEMO_RECOVERY_CODES = [f"demo-{n:04d}" for n in range(1, 6)]
DEMO_STAFF = ["admin", "agent.mgpap", "medecin.mgpap", "superviseur.mgpap", "agent.mgen", "superviseur.mgen",
              "officier.cnops", "officier2.cnops", "tresorier.cnops", "tresorier2.cnops"]
NAMES = [("Hassan", "Amrani", "حسن", "العمراني"), ("Khadija", "Bennis", "خديجة", "بنيس"),
         ("Youssef", "Cherkaoui", "يوسف", "الشرقاوي"), ("Naima", "Daoudi", "نعيمة", "الداودي"),
         ("Said", "El Fassi", "سعيد", "الفاسي"), ("Imane", "Ghali", "إيمان", "غالي"),
         ("Mohamed", "Haddad", "محمد", "الحداد"), ("Souad", "Jettou", "سعاد", "جطو"),
         ("Aziz", "Kabbaj", "عزيز", "القباج"), ("Loubna", "Lahlou", "لبنى", "لحلو"),
         ("Driss", "Mansouri", "إدريس", "المنصوري"), ("Zineb", "Sqalli", "زينب", "السقلي")]
ADMINISTRATIONS = ["Ministère de l'Éducation nationale", "Ministère de la Santé", "Ministère de l'Intérieur",
                   "Ministère de la Justice", "Ministère de l'Économie et des Finances", "Collectivités territoriales"]


def years_ago(today: date, years: int, days: int = 0) -> date:
    try:
        born = today.replace(year=today.year - years)
    except ValueError:
        born = today.replace(year=today.year - years, day=28)
    return born - timedelta(days=days)


def demo_scan(person: Insured, seed: int) -> CheckedDocument:
    """A drawn stand-in for a scanned feuille de soins, so that document previews show something."""
    image = Image.new("RGB", (620, 820), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([20, 20, 600, 800], outline=(40, 80, 140), width=3)
    rows = ["FEUILLE DE SOINS - DEMONSTRATION", f"Assure : {person.first_name} {person.last_name}",
            f"Immatriculation : {person.registration_number}", f"Piece n° {seed}", "Cachet et signature du medecin"]
    for i, text in enumerate(rows):
        draw.text((50, 60 + 60 * i), text, fill=(20, 20, 20))
    draw.ellipse([380, 600, 560, 740], outline=(30, 60, 160), width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return check_document(SimpleUploadedFile(f"feuille-{seed}.png", buffer.getvalue(), content_type="image/png"))


def demo_rib(bank: str, n: int) -> str:
    prefix = f"{bank}780{n:016d}"
    return prefix + rib_key(prefix)


class Command(BaseCommand):
    help = "Charge les données de démonstration (assurés, ayants droit, personnel, dossiers)."

    def handle(self, *args, **options) -> None:
        self.load_payer_accounts()
        if Insured.objects.filter(cnie="BE100001").exists():
            self.stdout.write("Données de démonstration déjà chargées.")
            self.create_treasury()
            self.set_demo_second_factor()
            self.print_logins()
            return
        with transaction.atomic():
            self.create_staff()
            self.create_treasury()
            family = self.create_people()
        self.file_claims(family)
        self.file_volume()
        self.set_demo_second_factor()
        self.print_logins()

    def create_staff(self) -> None:
        mgpap, mgen = Mutuelle.objects.get(code="MGPAP"), Mutuelle.objects.get(code="MGEN")
        cnops = AMOFund.objects.get(code="CNOPS")
        staff = [
            ("agent.mgpap", StaffRole.AGENT, "Salma", "Idrissi", mgpap, None),
            ("medecin.mgpap", StaffRole.MEDICAL_OFFICER, "Dr Youssef", "Tazi", mgpap, None),
            ("superviseur.mgpap", StaffRole.SUPERVISOR, "Nadia", "Berrada", mgpap, None),
            ("agent.mgen", StaffRole.AGENT, "Omar", "Chraibi", mgen, None),
            ("superviseur.mgen", StaffRole.SUPERVISOR, "Laila", "Fassi", mgen, None),
            ("officier.cnops", StaffRole.FUND_OFFICER, "Hicham", "Benjelloun", None, cnops),
            ("officier2.cnops", StaffRole.FUND_OFFICER, "Meryem", "Kettani", None, cnops),
        ]
        for username, role, first, last, mutuelle, fund in staff:
            create_staff(username=username, password=DEMO_PASSWORD, role=role, first_name=first, last_name=last,
                         mutuelle=mutuelle, fund=fund, email=f"{username}@example.ma")
        User = get_user_model()
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@example.ma", DEMO_PASSWORD, role=StaffRole.FUND_OFFICER,
                                          fund=cnops)

    def load_payer_accounts(self) -> None:
        """Demonstration accounts for the organismes and mutuelles that have none, so that an
        approved bordereau gets its transfer order; the treasury replaces them in the admin."""
        count = load_demo_payer_accounts()
        if count:
            self.stdout.write(f"{count} comptes payeurs de démonstration (banque 999, fictive) chargés.")

    def create_treasury(self) -> None:
        """Two members of the CNOPS treasury: one requests an account change, the other confirms it."""
        cnops = AMOFund.objects.get(code="CNOPS")
        for username, first, last in [("tresorier.cnops", "Rachida", "Amrani"),
                                      ("tresorier2.cnops", "Mounir", "Slaoui")]:
            create_staff(username=username, password=DEMO_PASSWORD, role=StaffRole.TREASURER, first_name=first,
                         last_name=last, fund=cnops, email=f"{username}@example.ma")

    def insured(self, *, n: int, cnie: str, first: str, last: str, first_ar: str, last_ar: str, born: date,
                sex: str, mutuelle: str, username: str | None, **extra) -> Insured:
        person = Insured(
            registration_number=f"CN{n:09d}", affiliation_number=f"{mutuelle}-{n:07d}", cnie=cnie,
            first_name=first, last_name=last, first_name_ar=first_ar, last_name_ar=last_ar, birth_date=born,
            sex=sex, status=extra.pop("status", "actif"), status_since=extra.pop("status_since", date(2010, 1, 1)),
            affiliated_on=date(2010, 1, 1), mutuelle=(member_of := Mutuelle.objects.get(code=mutuelle)),
            regime_id=member_of.regime_id,
            fund=AMOFund.objects.get(code="CNOPS"), rib=demo_rib("011", n), email=f"{cnie.lower()}@example.ma",
            phone="0661000000", city="Rabat", card_issued_on=date(2015, 3, 1), **extra,
        )
        if username:
            User = get_user_model()
            user = User.objects.create_user(username=username, password=DEMO_PASSWORD, first_name=first,
                                            last_name=last, email=person.email, role=StaffRole.INSURED)
            person.user = user
        person.full_clean()
        person.save()
        return person

    def create_people(self) -> dict:
        today = timezone.localdate()
        karim = self.insured(n=1, cnie="BE100001", first="Karim", last="Alaoui", first_ar="كريم", last_ar="العلوي",
                             born=date(1972, 3, 14), sex="M", mutuelle="MGPAP", username="karim.alaoui",
                             administration="Ministère de l'Éducation nationale")
        kids = {}
        for first, first_ar, relationship, born, sex in [
            ("Samira", "سميرة", "conjoint", date(1976, 9, 2), "F"),
            ("Yasmine", "ياسمين", "enfant", years_ago(today, 24, 40), "F"),  # student of 24
            ("Mehdi", "مهدي", "enfant", years_ago(today, 22, 30), "M"),  # 22, no longer entitled
            ("Adam", "آدم", "enfant", years_ago(today, 11), "M"),
        ]:
            kids[first] = Dependent.objects.create(
                insured=karim, relationship=relationship, first_name=first, last_name="Alaoui",
                first_name_ar=first_ar, last_name_ar="العلوي", birth_date=born, sex=sex,
                registered_on=max(born, date(2010, 1, 1)))
        start = date(today.year if today.month >= 9 else today.year - 1, 9, 1)
        StudyCertificate.objects.create(dependent=kids["Yasmine"], academic_year=f"{start.year}-{start.year + 1}",
                                        valid_from=start, valid_until=date(start.year + 1, 8, 31))
        fatima = self.insured(n=2, cnie="BE100002", first="Fatima Zahra", last="Bennani", first_ar="فاطمة الزهراء",
                              last_ar="بناني", born=date(1965, 11, 23), sex="F", mutuelle="MGEN",
                              username="fatima.bennani", administration="Ministère de la Santé")
        ETMAccord.objects.create(accord_number="ETM-2024-000917", insured=fatima,
                                 ald=ALDCondition.objects.get(code="9"),
                                 valid_from=date(2024, 1, 15), valid_until=date(2029, 1, 14))
        self.insured(n=3, cnie="BK200003", first="Abdellah", last="Ouazzani", first_ar="عبد الله", last_ar="الوزاني",
                     born=date(1958, 5, 5), sex="M", mutuelle="OMFAM", username="abdellah.ouazzani",
                     status="retraite", status_since=date(2018, 6, 1), administration="Ministère de l'Intérieur")
        self.insured(n=4, cnie="BJ300004", first="Rachid", last="Naciri", first_ar="رشيد", last_ar="الناصري",
                     born=date(1980, 2, 2), sex="M", mutuelle="MGEN", username=None,
                     status="radie", status_since=date(2025, 1, 1), administration="Ministère des Finances")
        return {"karim": karim, "fatima": fatima, **kids}

    def file_claims(self, family: dict) -> None:
        today = timezone.localdate()
        medicines = list(Medicine.objects.filter(reimbursable_from__isnull=False).order_by("code")[:3])
        karim, fatima = family["karim"], family["fatima"]
        drafts = [
            (karim, None, today - timedelta(days=12), [LineInput("acte", Decimal("250.00"), cotation="Cs"),
                                                      LineInput("acte", Decimal("66.00"), cotation="B 60")]),
            (karim, family["Adam"], today - timedelta(days=5), [LineInput("acte", Decimal("80.00"), cotation="C")]),
            (karim, family["Mehdi"], today - timedelta(days=3), [LineInput("acte", Decimal("150.00"), cotation="Cs")]),
        ]
        if medicines:
            drafts.append((fatima, None, today - timedelta(days=20), [
                LineInput("acte", Decimal("150.00"), cotation="Cs", ald_linked=True),
                LineInput("medicament", medicines[0].prices.first().ppv, medicine_code=medicines[0].code,
                          ald_linked=True),
            ]))
        for seed, (insured, dependent, care_date, lines) in enumerate(drafts):
            is_ald = any(line.ald_linked for line in lines)
            draft = ClaimDraft(insured=insured, dependent=dependent, care_date=care_date, prescriber_inpe="101234567",
                               lines=lines, is_ald=is_ald, ald_code="9" if is_ald else "",
                               etm_accord_number="ETM-2024-000917" if is_ald else "",
                               documents=[("feuille_soins", demo_scan(insured, seed))] if seed != 1 else [])
            submit_claim(draft=draft, by=insured.user, filed_on=today)
        self.stdout.write(f"{Claim.objects.count()} dossiers de démonstration déposés.")

    def file_volume(self) -> None:
        """A few dozen members of four mutuelles with claims of the last weeks, so that the agents'
        queue and the CNOPS pages have something to show."""
        rng = random.Random(2026)
        today = timezone.localdate()
        medicines = list(Medicine.objects.filter(reimbursable_from__isnull=False).prefetch_related("prices"))
        acts = [("C", "80.00"), ("Cs", "250.00"), ("Cs", "150.00"), ("B 60", "66.00"), ("Z 40", "400.00"),
                ("CNPSY", "300.00"), ("AMM", "50.00"), ("K 30", "900.00"), ("B 120", "150.00")]
        count = 0
        for n in range(10, 46):
            mutuelle = ("MGPAP", "MGEN", "OMFAM", "MGPT")[n % 4]
            first, last, first_ar, last_ar = NAMES[n % len(NAMES)]
            person = self.insured(n=n, cnie=f"B{chr(65 + n % 26)}{400000 + n}", first=first, last=last,
                                  first_ar=first_ar, last_ar=last_ar, born=date(1960 + n % 35, 1 + n % 12, 1 + n % 27),
                                  sex="F" if n % 3 == 0 else "M", mutuelle=mutuelle, username=None,
                                  administration=ADMINISTRATIONS[n % len(ADMINISTRATIONS)])
            for k in range(1 + n % 2):
                lines = [LineInput("acte", Decimal(paid), cotation=cotation)
                         for cotation, paid in rng.sample(acts, rng.randint(1, 2))]
                if medicines and rng.random() < 0.6:
                    med = rng.choice(medicines)
                    price = med.prices.all()[0]
                    quantity = rng.randint(1, 2)
                    lines.append(LineInput("medicament", price.ppv * quantity, medicine_code=med.code,
                                           quantity=quantity))
                documents = [] if rng.random() < 0.15 else [("feuille_soins", demo_scan(person, n * 10 + k))]
                draft = ClaimDraft(insured=person, dependent=None, care_date=today - timedelta(days=rng.randint(3, 50)),
                                   prescriber_inpe=f"10{rng.randint(1000000, 9999999)}", lines=lines,
                                   documents=documents)
                submit_claim(draft=draft, by=None, filed_on=today - timedelta(days=rng.randint(0, 2)))
                count += 1
        self.stdout.write(f"{count} autres dossiers déposés pour {46 - 10} assurés de quatre mutuelles.")

    @transaction.atomic
    def set_demo_second_factor(self) -> None:
        """The demo staff's authenticator (the public demo key) and their recovery codes, put back if used."""
        from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
        from django_otp.plugins.otp_totp.models import TOTPDevice

        for user in get_user_model().objects.filter(username__in=DEMO_STAFF):
            TOTPDevice.objects.update_or_create(user=user, name="Démonstration",
                                                defaults={"key": DEMO_TOTP_KEY, "confirmed": True})
            codes, _ = StaticDevice.objects.get_or_create(user=user, name="Démonstration", defaults={"confirmed": True})
            have = set(codes.token_set.values_list("token", flat=True))
            StaticToken.objects.bulk_create([StaticToken(device=codes, token=code)
                                             for code in DEMO_RECOVERY_CODES if code not in have])

    def print_logins(self) -> None:
        from base64 import b32encode

        from django_otp.oath import totp

        key = bytes.fromhex(DEMO_TOTP_KEY)
        self.stdout.write(self.style.SUCCESS(f"\nComptes de démonstration (mot de passe : {DEMO_PASSWORD})"))
        self.stdout.write(self.style.WARNING(
            "Double authentification du personnel — DÉMONSTRATION UNIQUEMENT, clé publique :\n"
            f"  clé à saisir dans une application d'authentification : {b32encode(key).decode()}\n"
            f"  code valable en ce moment : {totp(key):06d} ; ou un code de secours (une fois chacun, remis à "
            f"chaque `make run`) : {', '.join(DEMO_RECOVERY_CODES)}"))
        rows = [
            ("admin", "administrateur (tout)", "/admin/"),
            ("agent.mgpap", "agent MGPAP", "/admin/"),
            ("medecin.mgpap", "médecin contrôleur MGPAP", "/admin/"),
            ("superviseur.mgpap", "superviseur MGPAP", "/admin/"),
            ("agent.mgen", "agent MGEN", "/admin/"),
            ("superviseur.mgen", "superviseur MGEN", "/admin/"),
            ("officier.cnops", "agent de la CNOPS (approuve les bordereaux)", "/admin/"),
            ("officier2.cnops", "second agent de la CNOPS", "/admin/"),
            ("tresorier.cnops", "trésorier CNOPS (comptes payeurs)", "/admin/"),
            ("tresorier2.cnops", "second trésorier CNOPS (double contrôle)", "/admin/"),
            ("karim.alaoui", "assuré MGPAP (famille, étudiante de 24 ans, fils de 22 ans)", "/"),
            ("fatima.bennani", "assurée MGEN en ALD (diabète, ETM)", "/"),
            ("abdellah.ouazzani", "assuré OMFAM retraité", "/"),
        ]
        for username, who, where in rows:
            self.stdout.write(f"  {username:<20} {who:<60} http://127.0.0.1:8000{where}")
