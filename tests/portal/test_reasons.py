"""Reasons and decisions reach the insured person, in their language: the claim page, the décompte
and the status e-mail name each coded reason by its label, with the agent's comment, what changed
on an adjusted line and what to do; no internal code or field name ever shows."""
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.utils import translation
from pypdf import PdfReader

from claims.models import Claim, ClaimDecision, ClaimDocument, ClaimLine, ClaimStatus, RejectionReason
from claims.reason_texts import CORRECTABLE, FIX_TEXTS, REASON_LABELS, reason_label
from claims.services import checks, pricing
from claims.services.review import accept_claim, adjust_line, reject_claim, reject_line
from claims.tasks import notify_status_change_task
from portal.services import statements
from tests.admin.support import claim_in_control
from tests.factories.beneficiaries import DependentFactory
from tests.factories.claims import act, file_claim, with_document

pytestmark = pytest.mark.django_db
D = Decimal
COMMENT_CLAIM = "La facture jointe est floue."
COMMENT_ADJUST = "Montant lu sur la facture : 200 DH."
COMMENT_LINE = "Analyse sans prescription."


def internal_words() -> re.Pattern:
    """Every coded reason, and every field name of the claims' models written with an underscore."""
    codes = {*(v for k, v in vars(checks.ClaimReason).items() if not k.startswith("_")),
             *(v for k, v in vars(pricing.LineReason).items() if not k.startswith("_") and isinstance(v, str)),
             *RejectionReason.objects.values_list("code", flat=True), *REASON_LABELS}
    fields = {f.name for model in (Claim, ClaimLine, ClaimDecision, ClaimDocument) for f in model._meta.fields}
    fields |= {f.attname for model in (Claim, ClaimLine) for f in model._meta.fields}
    words = sorted(w for w in codes | {f for f in fields if "_" in f} if w)
    return re.compile(r"(?<![\w/-])(" + "|".join(map(re.escape, words)) + r")(?![\w/-])")


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#x27;", "'").replace("&quot;", '"').split())


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def told(django_capture_on_commit_callbacks):
    mail.outbox.clear()
    notify_status_change_task.apply()
    return list(mail.outbox)


@pytest.fixture
def rejected(member, agent):
    claim = claim_in_control(insured=member)
    reject_claim(claim=claim, version=claim.version, by=agent, reason_code="piece_illisible", comment=COMMENT_CLAIM)
    claim.refresh_from_db()
    return claim


@pytest.fixture
def adjusted(member, agent):
    """A claim liquidated after an agent lowered line 1's amount and rejected line 2."""
    claim = claim_in_control(insured=member)
    first, second = claim.lines.order_by("position")
    adjust_line(line=first, version=claim.version, by=agent, reason=COMMENT_ADJUST, amount_paid=D("200.00"))
    claim.refresh_from_db()
    reject_line(line=second, version=claim.version, by=agent, reason_code="acte_non_justifie", comment=COMMENT_LINE)
    claim.refresh_from_db()
    accept_claim(claim=claim, version=claim.version, by=agent)
    claim.refresh_from_db()
    return claim


def in_language(member, client, language):
    member.language = language
    member.save(update_fields=["language"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_a_rejected_claim_gives_its_reason_comment_and_fix_on_the_page_and_in_the_email(
        language, member, member_client, rejected, django_capture_on_commit_callbacks):
    # given
    in_language(member, member_client, language)
    # when
    page = visible_text(member_client.get(f"/espace/dossiers/{rejected.pk}/").content.decode())
    emails = told(django_capture_on_commit_callbacks)
    # then
    with translation.override(language):
        label, fix = reason_label("piece_illisible"), str(FIX_TEXTS["piece_illisible"])
        correct = translation.gettext("Corriger et déposer à nouveau")
    assert rejected.status == ClaimStatus.REJECTED
    assert label in page and COMMENT_CLAIM in page and fix in page and correct in page
    assert not internal_words().search(page), internal_words().search(page)
    email = emails[-1]  # the controls' outcome (en contrôle), then the rejection
    assert label in email.body and COMMENT_CLAIM in email.body and fix in email.body
    assert not internal_words().search(email.subject + email.body)


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_an_adjusted_and_a_rejected_line_show_on_the_page_the_statement_and_the_email(
        language, member, member_client, adjusted, django_capture_on_commit_callbacks):
    # given
    in_language(member, member_client, language)
    # when
    page = visible_text(member_client.get(f"/espace/dossiers/{adjusted.pk}/").content.decode())
    emails = told(django_capture_on_commit_callbacks)
    pdf = pdf_text(statements.claim_statement_pdf(claim=Claim.objects.get(pk=adjusted.pk), language=language))
    # then
    with translation.override(language):
        label = reason_label("acte_non_justifie")
        change = translation.gettext("%(what)s : %(before)s → %(after)s") % {
            "what": translation.gettext("Montant déclaré"), "before": "250,00\u202fDH", "after": "200,00\u202fDH"}
    assert adjusted.status == ClaimStatus.LIQUIDATED
    for text in (page, emails[-1].body):
        assert label in text and COMMENT_LINE in text and COMMENT_ADJUST in text
        assert " ".join(change.split()) in " ".join(text.split())
        assert not internal_words().search(text), internal_words().search(text)
    assert COMMENT_LINE in pdf and COMMENT_ADJUST in pdf
    if language == "fr":
        assert label in pdf and "Montant déclaré" in pdf
    assert not internal_words().search(pdf), internal_words().search(pdf)


def test_an_automatic_rejection_is_told_in_the_persons_language(member, django_capture_on_commit_callbacks):
    # given: a child of 22 without studies is not covered; the person reads Arabic
    member.language = "ar"
    member.save(update_fields=["language"])
    child = DependentFactory(insured=member, birth_date=date(2003, 5, 4))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        claim = file_claim(insured=member, dependent=child, care_date=date(2025, 5, 4), lines=[act("C", "80")],
                           documents=with_document(31))
    emails = [m for m in mail.outbox if "rejet" in m.subject or re.search("[\u0600-\u06ff]", m.body)]
    # then: the controls' detail, a catalogue sentence, is in Arabic
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED
    assert emails and re.search("[\u0600-\u06ff]{4}", emails[-1].body)
    assert "L'enfant a dépassé 21 ans" not in emails[-1].body


def test_correct_and_file_again_fills_the_form_and_links_both_claims(member, member_client, rejected):
    # when
    form = member_client.get(f"/espace/dossiers/nouveau/?corrige={rejected.number}").content.decode()
    # then: the rejected claim's values
    assert 'value="2026-02-02"' in form and 'value="B 60"' in form and 'value="250.00"' in form
    # when: the claim filed from it (as the form sends it) is linked
    from portal.corrections import link_if_correcting

    request = type("R", (), {"GET": {"corrige": rejected.number}, "user": member.user, "insured": member})()
    claim = file_claim(insured=member, lines=[act("Cs", "250.00")], documents=with_document(44))
    link_if_correcting(request, claim)
    # then: each page names the other
    claim.refresh_from_db()
    assert claim.corrects_id == rejected.pk
    assert rejected.number in member_client.get(f"/espace/dossiers/{claim.pk}/").content.decode()
    assert claim.number in member_client.get(f"/espace/dossiers/{rejected.pk}/").content.decode()


def test_no_correction_of_another_persons_claim_nor_of_an_uncorrectable_reason(member_client, stranger, agent):
    theirs = claim_in_control(insured=stranger)
    reject_claim(claim=theirs, version=theirs.version, by=agent, reason_code="piece_illisible")
    form = member_client.get(f"/espace/dossiers/nouveau/?corrige={theirs.number}").content.decode()
    assert 'value="B 60"' not in form
    assert "hors_delai" not in CORRECTABLE and "piece_illisible" in CORRECTABLE


def test_signed_in_language_switch_is_kept_for_what_is_sent_later(member, member_client):
    # when
    response = member_client.post("/langue/setlang/", {"language": "ar", "next": "/espace/"})
    # then
    member.refresh_from_db()
    assert response.status_code == 302
    assert member.language == "ar"


def test_every_reason_of_the_list_has_a_label_and_a_fix():
    codes = set(RejectionReason.objects.values_list("code", flat=True))
    assert codes and codes <= set(REASON_LABELS) and codes <= set(FIX_TEXTS)
    with translation.override("fr"):
        assert all(reason_label(r.code) == r.label for r in RejectionReason.objects.all())


def test_the_agents_history_names_reasons_and_values_not_codes_nor_fields(rejected, adjusted):
    from claims.admin_views import history_of

    for claim in (rejected, adjusted):
        text = " ".join(f"{event.what} {event.detail}" for event in history_of(claim))
        assert not internal_words().search(text), internal_words().search(text)
    assert "Pièce justificative illisible" in " ".join(e.detail for e in history_of(rejected))
    assert "montant payé : 250.00 → 200.00" in " ".join(e.detail for e in history_of(adjusted))


def test_the_reasons_of_a_batch_of_emails_cost_one_query_whatever_its_size(member, agent):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from claims.services.notifications import status_emails

    claims = []
    for _ in range(3):
        claim = claim_in_control(insured=member)
        reject_claim(claim=claim, version=claim.version, by=agent, reason_code="piece_illisible", comment="Floue.")
        claims.append(claim)
    counts = []
    for some in (claims[:1], claims):
        with CaptureQueriesContext(connection) as queries:
            assert status_emails([(c.pk, ClaimStatus.REJECTED) for c in some]) == len(some)
        counts.append(len(queries))
    assert counts[0] == counts[1] == 2  # the claims, their decisions


def test_another_persons_document_is_for_the_agent_to_see_not_for_the_person(
        member, member_client, api, stranger, django_capture_on_commit_callbacks):
    # given: the stranger's scan (seed 901) filed by the member
    theirs = Claim.objects.get(insured=stranger)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        claim = file_claim(insured=member, lines=[act("C", "80")], documents=with_document(901))
    claim.refresh_from_db()
    # then: an agent reviews it, with a note naming the other claim
    assert claim.status == ClaimStatus.IN_CONTROL
    assert any(theirs.number in note for note in claim.review_reasons)
    # and nothing the member reads names it
    page = member_client.get(f"/espace/dossiers/{claim.pk}/").content.decode()
    answer = api.get(f"/api/v1/dossiers/{claim.pk}/")
    assert answer.status_code == 200
    api_text = answer.content.decode()
    emails = " ".join(m.subject + m.body for m in mail.outbox if member.email in m.to)
    assert mail.outbox and theirs.number not in page + api_text + emails
