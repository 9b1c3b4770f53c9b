"""The domain error base class and the one place that turns errors into HTTP answers."""
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class DomainError(Exception):
    """A business rule refused the request. `message` is French and shown to the user."""

    code = "erreur_metier"
    http_status: int = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, extra: dict[str, Any] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
        if code:
            self.code = code


class ConflictError(DomainError):
    """The object changed under the caller, or is not in a state that allows the action."""

    code = "conflit"
    http_status = status.HTTP_409_CONFLICT


def _field_errors(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _field_errors(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_field_errors(value) for value in detail]
    return str(detail)


def _first_message(fields: Any, prefix: str = "") -> str:
    if isinstance(fields, dict):
        for key, value in fields.items():
            label = key if key != "non_field_errors" else ""
            path = f"{prefix}.{label}" if prefix and label else (label or prefix)
            return _first_message(value, path)
    if isinstance(fields, list) and fields:
        for index, value in enumerate(fields):
            if value:
                path = f"{prefix}[{index}]" if isinstance(value, dict) else prefix
                return _first_message(value, path)
    text = str(fields)
    return f"{prefix} : {text}" if prefix else text


MSG_TOO_MANY_FILES = "Fichiers : envoyez au plus {max} fichiers à la fois."
MSG_TOO_MUCH_DATA = "La requête est trop volumineuse."


def _refused_upload(exc: Exception) -> Response | None:
    """Uploads that Django refuses while reading them (its DATA_UPLOAD_* limits), in our shape."""
    if isinstance(exc, TooManyFilesSent):
        message = MSG_TOO_MANY_FILES.format(max=settings.DATA_UPLOAD_MAX_NUMBER_FILES)
        return Response({"message": message, "code": "trop_de_fichiers", "extra": {"champs": {"files": [message]}}},
                        status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, RequestDataTooBig | TooManyFieldsSent):
        return Response({"message": MSG_TOO_MUCH_DATA, "code": "requete_trop_volumineuse", "extra": {}},
                        status=status.HTTP_400_BAD_REQUEST)
    return None


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """One JSON shape for every error: {"message", "code", "extra"}."""
    refused = _refused_upload(exc)
    if refused is not None:
        return refused
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = drf_exceptions.ValidationError(detail)
    if isinstance(exc, DomainError):
        return Response({"message": exc.message, "code": exc.code, "extra": exc.extra}, status=exc.http_status)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound("Introuvable.")
    if isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, drf_exceptions.ValidationError):
        fields = _field_errors(exc.detail)
        response.data = {"message": _first_message(fields), "code": "donnees_invalides", "extra": {"champs": fields}}
    else:
        code = exc.get_codes() if isinstance(exc, drf_exceptions.APIException) else "erreur"
        detail = getattr(exc, "detail", str(exc))
        response.data = {"message": str(detail), "code": code if isinstance(code, str) else "erreur", "extra": {}}
    return response
