"""API v1 for insured persons and their mobile app: one view per operation, one service call each.

Every object is reached through portal.selectors (scoped to the signed-in insured person):
another insured person's claim, document or statement is a 404, never a 403 that confirms it exists.
"""
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from amo_portal.api_input import validated
from amo_portal.documents import check_document
from amo_portal.exceptions import DomainError
from amo_portal.rib import rib_last_digits
from claims.services.followup import add_claim_documents
from portal import selectors
from portal.api import inputs, payloads
from portal.api import serializers as s
from portal.api.authentication import InsuredTokenAuthentication, TokenAccess
from portal.services import accounts, statements, tokens
from portal.services.filing import file_claim_online
from portal.services.quotas import check_document_quota
from portal.throttle import address_locked_out

MSG_NO_INSURED = "Aucun assuré n'est rattaché à ce compte."
MSG_BAD_CREDENTIALS = "Identifiant ou mot de passe incorrect."
MSG_ADDRESS_LOCKED = "Trop d'échecs de connexion depuis votre connexion : réessayez dans un moment."
MSG_EMAIL_BY_LINK = ("Pour changer d'adresse électronique, envoyez-la avec votre mot de passe à "
                     "/api/v1/moi/adresse-electronique/ : elle changera une fois confirmée par le lien reçu.")
MSG_NO_TOKEN = "Jeton introuvable."  # noqa: S105 - a message, not a secret
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key", str, location=OpenApiParameter.HEADER, required=False,
    description="Clé choisie par l'application (1 à 80 caractères) : la même clé avec le même contenu renvoie le "
                "même dossier, jamais un second.")
PDF = OpenApiResponse(response=OpenApiTypes.BINARY, description="document PDF")


class InsuredApi(APIView):
    """Base of the views that act for the signed-in insured person."""

    # the token first: a refused token is answered 401 with `WWW-Authenticate: Token` (the app signs in again)
    authentication_classes = [InsuredTokenAuthentication, SessionAuthentication]

    def insured(self, request):
        # The insured person joined with the token is the account's own (Insured.user is one-to-one):
        # the same person selectors.insured_of would return, without a second query.
        access = request.auth
        insured = access.insured if isinstance(access, TokenAccess) else selectors.insured_of(user=request.user)
        if insured is None:
            raise NotFound(MSG_NO_INSURED)
        return insured

    def claim(self, request, pk: int):
        claim = selectors.claim_for_page(user=request.user, insured=self.insured(request), pk=pk)
        if claim is None:
            raise NotFound("Dossier introuvable.")
        return claim


class PingApi(APIView):
    """A constant answer: the floor of the web stack (no database, no authentication)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={200: s.PingSerializer})
    def get(self, request):
        return Response({"ok": True})


class TokenCreateApi(APIView):
    """Exchange an insured person's credentials for an API token (repeated failures lock the account)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=s.TokenInputSerializer, responses={200: s.TokenSerializer})
    def post(self, request):
        data = validated(s.TokenInputSerializer, request.data)
        if address_locked_out(request._request):
            raise Throttled(detail=MSG_ADDRESS_LOCKED)
        user = authenticate(request._request, username=accounts.sign_in_username(data["username"]),
                            password=data["password"])
        if user is None or selectors.insured_of(user=user) is None:
            raise DomainError(MSG_BAD_CREDENTIALS, code="identifiants_invalides")
        token, key = tokens.issue_token(user=user, name=data.get("device", ""))
        return Response({"token": key, "id": token.pk, "idle_days": settings.API_TOKEN_IDLE_DAYS})


class TokenListApi(InsuredApi):
    """The account's live API tokens (one per device), most recently used first; the keys are never shown."""

    @extend_schema(responses={200: s.TokenInfoSerializer(many=True)})
    def get(self, request):
        current = request.auth.token.pk if isinstance(request.auth, TokenAccess) else None
        return Response([payloads.token_info(token, current=current)
                         for token in tokens.tokens_of(user=request.user)])


class TokenRevokeApi(InsuredApi):
    """Revoke one of the account's tokens (the current one included: sign-out of this device)."""

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        if not tokens.revoke_token(user=request.user, token_id=pk):
            raise NotFound(MSG_NO_TOKEN)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailChangeApi(InsuredApi):
    """Ask to change the account's e-mail address (password needed): it changes once the link sent to
    the new address is followed; the current address is told and stays until then."""

    @extend_schema(request=s.EmailChangeInputSerializer, responses={202: s.MessageSerializer})
    def post(self, request):
        insured = self.insured(request)
        data = validated(s.EmailChangeInputSerializer, request.data)
        accounts.request_email_change(user=request.user, insured=insured, new_email=data["email"],
                                      password=data["password"], request=request._request)
        return Response({"message": f"Un lien de confirmation a été envoyé à {data['email']} : l'adresse du compte "
                                    "changera quand il aura été ouvert."}, status=status.HTTP_202_ACCEPTED)


class MeApi(InsuredApi):
    """The insured person's registration card data and contact details."""

    @extend_schema(responses={200: s.MeSerializer})
    def get(self, request):
        return Response(payloads.me(self.insured(request)))

    @extend_schema(request=s.ContactInputSerializer, responses={200: s.MeSerializer})
    def patch(self, request):
        insured = self.insured(request)
        current = {name: getattr(insured, name) for name in accounts.CONTACT_FIELDS}
        body = request.data
        merged = {name: body.get(name, value) for name, value in current.items()} if hasattr(body, "get") else body
        data = validated(s.ContactInputSerializer, merged)
        asked = body.get("email") if hasattr(body, "get") else None
        if asked is not None and data["email"].strip().lower() != accounts.current_email(user=request.user,
                                                                                          insured=insured):
            raise DomainError(MSG_EMAIL_BY_LINK, code="donnees_invalides",
                              extra={"champs": {"email": MSG_EMAIL_BY_LINK}})
        accounts.update_contact_details(insured=insured, **{name: data.get(name, "")
                                                            for name in accounts.DIRECT_CONTACT_FIELDS})
        return Response(payloads.me(selectors.insured_of(user=request.user)))


class RibChangeApi(InsuredApi):
    """Replace the RIB payments go to; the password is asked again and the change recorded."""

    @extend_schema(request=s.RibChangeInputSerializer, responses={201: s.RibChangeSerializer})
    def post(self, request):
        insured = self.insured(request)
        data = validated(s.RibChangeInputSerializer, request.data)
        change = accounts.change_rib(insured=insured, new_rib=data["rib"], password=data["password"],
                                     by=request.user, request=request._request)
        return Response({"rib_last_digits": rib_last_digits(change.new_rib), "changed_at": change.created_at},
                        status=status.HTTP_201_CREATED)


class DependentListApi(InsuredApi):
    """The insured person's dependants (ayants droit)."""

    @extend_schema(responses={200: s.DependentSerializer(many=True)})
    def get(self, request):
        return Response([payloads.dependent(d) for d in selectors.family_members(insured=self.insured(request))])


class RightsApi(InsuredApi):
    """Rights of the insured person and of each dependant on a date (today by default)."""

    @extend_schema(parameters=[s.RightsQuerySerializer], responses={200: s.RightsSerializer(many=True)})
    def get(self, request):
        on = validated(s.RightsQuerySerializer, request.query_params).get("date") or timezone.localdate()
        rows = selectors.family_rights(insured=self.insured(request), on=on)
        return Response([payloads.rights(row) for row in rows])


class ClaimListCreateApi(InsuredApi, GenericAPIView):
    """The insured person's claims (paginated, filtered) and the filing of a new one."""

    serializer_class = s.ClaimSummarySerializer

    @extend_schema(parameters=[s.ClaimFilterSerializer], responses={200: s.ClaimSummarySerializer(many=True)})
    def get(self, request):
        query = validated(s.ClaimFilterSerializer, request.query_params)
        claims = selectors.filter_claims(selectors.own_claims(user=request.user, insured=self.insured(request)),
                                         **query)
        page = self.paginate_queryset(claims)
        payments = selectors.payments_of(claim_ids=[c.pk for c in page])
        return self.get_paginated_response([payloads.claim_summary(c, payments) for c in page])

    @extend_schema(request=s.ClaimInputSerializer, parameters=[IDEMPOTENCY_HEADER],
                   responses={201: s.ClaimDetailSerializer})
    def post(self, request):
        insured = self.insured(request)
        key = inputs.idempotency_key(request)
        data = validated(s.ClaimInputSerializer, request.data)
        started = timezone.now()
        typed = inputs.claim_input(data)
        claim = file_claim_online(user=request.user, insured=insured, data=typed, idempotency_key=key)
        if claim.created_at >= started:  # filed by this request: answer from memory, no query
            return Response(payloads.claim_filed(claim, typed), status=status.HTTP_201_CREATED)
        claim = selectors.claim_for_page(user=request.user, insured=insured, pk=claim.pk)  # idempotent replay
        return Response(payloads.claim_detail(claim, selectors.payments_of(claim_ids=[claim.pk])),
                        status=status.HTTP_201_CREATED)


class ClaimDetailApi(InsuredApi):
    """One claim: lines with their liquidation, documents, timeline, payment."""

    @extend_schema(responses={200: s.ClaimDetailSerializer})
    def get(self, request, pk: int):
        claim = self.claim(request, pk)
        return Response(payloads.claim_detail(claim, selectors.payments_of(claim_ids=[claim.pk])))


class ClaimDocumentCreateApi(InsuredApi):
    """Add supporting documents to an open claim (those the mutuelle asked for send it back to control)."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": s.DocumentUploadSerializer},
                   responses={201: s.ClaimDetailSerializer})
    def post(self, request, pk: int):
        claim = self.claim(request, pk)
        files = request.FILES.getlist("files") if hasattr(request.FILES, "getlist") else []
        data = validated(s.DocumentUploadSerializer, {"kind": request.data.get("kind", "autre"), "files": files})
        check_document_quota(insured=self.insured(request), adding=len(data["files"]))
        try:
            documents = [(data["kind"], check_document(f)) for f in data["files"]]
        except DjangoValidationError as exc:
            raise DomainError(exc.messages[0], code="piece_refusee",
                              extra={"champs": {"files": exc.messages}}) from exc
        add_claim_documents(claim=claim, documents=documents, by=request.user)
        claim = self.claim(request, pk)
        return Response(payloads.claim_detail(claim, selectors.payments_of(claim_ids=[claim.pk])),
                        status=status.HTTP_201_CREATED)


class ClaimDocumentDownloadApi(InsuredApi):
    """One supporting document of the insured person's claim, as stored."""

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiResponse(response=OpenApiTypes.BINARY)})
    def get(self, request, pk: int, document_id: int):
        claim = self.claim(request, pk)
        document = next((d for d in claim.documents.all() if d.pk == document_id), None)
        if document is None:
            raise NotFound("Pièce introuvable.")
        response = FileResponse(document.file.open("rb"), content_type=document.content_type, as_attachment=True,
                                filename=f"{claim.number}-{document.pk}.{document.extension}")
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class ClaimStatementApi(InsuredApi):
    """The décompte (PDF) of a liquidated or paid claim."""

    @extend_schema(responses={(200, "application/pdf"): PDF})
    def get(self, request, pk: int):
        claim = self.claim(request, pk)
        if claim.status not in selectors.STATEMENT_STATUSES:
            raise NotFound("Le décompte est disponible une fois le dossier liquidé.")
        return pdf_response(statements.claim_statement_pdf(claim=claim,
                                                           history=selectors.payment_history(claim=claim)),
                            f"decompte-{claim.number}.pdf")


class RightsAttestationApi(InsuredApi):
    """The attestation de droits (PDF) on a date (today by default)."""

    @extend_schema(parameters=[s.RightsQuerySerializer], responses={(200, "application/pdf"): PDF})
    def get(self, request):
        on = validated(s.RightsQuerySerializer, request.query_params).get("date") or timezone.localdate()
        insured = self.insured(request)
        rows = selectors.family_rights(insured=insured, on=on)
        return pdf_response(statements.rights_attestation_pdf(insured=insured, rights=rows, on=on),
                            f"attestation-droits-{insured.registration_number}.pdf")


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
