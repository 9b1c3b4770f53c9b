"""Requests refused before any view runs."""
from django.http import HttpResponseBadRequest, JsonResponse

MSG_NUL_IN_PATH = "Adresse invalide : elle contient un caractère nul."


def refuse_nul_in_path(get_response):
    """A NUL byte in the path (%00) is refused with a 400: no URL of ours has one, and a path
    parameter carrying it to PostgreSQL (which refuses NUL in text) would be a 500."""

    def middleware(request):
        if "\x00" in request.path_info:
            if request.path_info.startswith("/api/"):
                return JsonResponse({"message": MSG_NUL_IN_PATH, "code": "adresse_invalide", "extra": {}},
                                    status=400, json_dumps_params={"ensure_ascii": False})
            return HttpResponseBadRequest(MSG_NUL_IN_PATH, content_type="text/plain; charset=utf-8")
        return get_response(request)

    return middleware
