"""Crafted input answers 400 with a French message, never 500: decompression bombs, JSON nested
1,000 deep, a NUL byte in a path parameter."""
import json
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from claims.models import ClaimDocument
from tests.factories.claims import act, file_claim
from tests.portal.conftest import CARE_DATE, claim_payload

pytestmark = pytest.mark.django_db


def png_bomb(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of width x height white pixels: a few hundred kilobytes that inflate to
    width x height pixels once decoded (the IDAT is zlib-compressed zero rows, made row by row)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte, then the row's bits
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.fixture
def open_claim(member):
    return file_claim(insured=member, lines=[act("Cs", "150.00")], care_date=CARE_DATE, filed_on=CARE_DATE)


BOMBS = [
    pytest.param(20_000, 20_000, id="400-megapixels-pillow-error"),  # past twice Pillow's limit
    pytest.param(10_000, 9_500, id="95-megapixels-pillow-warning"),  # past Pillow's limit: a warning only
]


@pytest.mark.parametrize(("width", "height"), BOMBS)
def test_a_png_decompression_bomb_is_refused_by_the_api(api, open_claim, width, height):
    # given
    bomb = png_bomb(width, height)
    assert len(bomb) < 2 * 1024 * 1024
    # when
    response = api.post(f"/api/v1/dossiers/{open_claim.pk}/pieces/",
                        {"kind": "autre", "files": [SimpleUploadedFile("scan.png", bomb, "image/png")]},
                        format="multipart")
    # then
    assert response.status_code == 400
    assert response.json()["message"] == "« scan.png » est une image trop grande (plus de 80 millions de pixels)."
    assert not ClaimDocument.objects.filter(claim=open_claim).exists()


@pytest.mark.parametrize(("width", "height"), BOMBS)
def test_a_png_decompression_bomb_is_refused_on_the_page(member_client, open_claim, width, height):
    # when
    response = member_client.post(f"/espace/dossiers/{open_claim.pk}/pieces/",
                                  {"kind": "autre", "files": [SimpleUploadedFile("scan.png", png_bomb(width, height),
                                                                                 "image/png")]})
    # then
    assert response.status_code == 400
    assert "« scan.png » est une image trop grande" in response.content.decode()
    assert not ClaimDocument.objects.filter(claim=open_claim).exists()


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("url", ["/api/v1/simulations/", "/api/v1/dossiers/", "/api/v1/jeton/"])
@pytest.mark.parametrize("body", [
    pytest.param(nested(1000), id="array-1000"),
    pytest.param('{"a":' * 1000 + "1" + "}" * 1000, id="object-1000"),
    pytest.param("[" * 100_000, id="unclosed-100000"),
])
def test_json_nested_1000_deep_is_refused_before_it_is_parsed(api, url, body):
    # when
    response = api.generic("POST", url, body, content_type="application/json")
    # then
    assert response.status_code == 400
    assert response.json()["message"] == "Corps JSON invalide : plus de 32 niveaux d'imbrication."


def test_json_as_deep_as_allowed_is_parsed_and_checked_as_usual(api):
    # given: a filing whose first line's "cotation" is 30 levels of arrays (a shape error, not a depth error)
    payload = claim_payload()
    text = json.dumps(payload).replace('"Cs"', nested(29), 1)
    # when
    response = api.generic("POST", "/api/v1/dossiers/", text, content_type="application/json")
    # then
    assert response.status_code == 400
    assert response.json()["code"] == "donnees_invalides"


def test_a_json_body_past_one_megabyte_is_refused(api):
    # when
    response = api.generic("POST", "/api/v1/simulations/", json.dumps({"x": "a" * (1024 * 1024)}),
                           content_type="application/json")
    # then
    assert response.status_code == 400
    assert response.json()["message"] == "Corps JSON trop volumineux (1 Mo au plus)."


@pytest.mark.parametrize("path", [
    "/api/v1/medicaments/%00/", "/api/v1/medicaments/6118%00000002/", "/api/v1/dossiers/1%00/",
    "/espace/dossiers/%00/", "/admin/mutuelles/mutuelle/%00/change/", "/paiements/%00/",
])
def test_a_nul_byte_in_a_path_parameter_answers_400(client, member_client, path):
    # when
    anonymous = client.get(path)
    signed_in = member_client.get(path)
    # then
    for response in (anonymous, signed_in):
        assert response.status_code == 400
        text = response.json()["message"] if path.startswith("/api/") else response.content.decode()
        assert text == "Adresse invalide : elle contient un caractère nul."
