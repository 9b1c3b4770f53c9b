"""The API's input serializers are reused per thread (amo_portal.api_input.validated): the answers
must be those of a fresh serializer, whatever was checked before on the same thread or another."""
import threading

import pytest
from rest_framework.exceptions import ValidationError

from amo_portal.api_input import validated
from portal.api import serializers as s
from tests.portal.conftest import claim_payload

BAD_PAYLOADS = [
    {},
    None,
    [],
    {"care_date": "hier", "prescriber_inpe": "12", "lines": []},
    claim_payload(lines=[{"kind": "acte", "paid": "-1"}, {"kind": "radio", "paid": "x"}]),
    claim_payload(beneficiary=2**63, care_date="2004-12-31", provider_inpe="abc"),
]


def fresh(serializer_class, data):
    serializer = serializer_class(data=data)
    if serializer.is_valid():
        return serializer.validated_data
    return serializer.errors


def reused(serializer_class, data):
    try:
        return validated(serializer_class, data)
    except ValidationError as exc:
        return exc.detail


@pytest.mark.parametrize("payload", BAD_PAYLOADS)
def test_a_reused_serializer_names_the_same_fields_with_the_same_messages(payload):
    # given: the reused serializer has just checked a good claim
    assert validated(s.ClaimInputSerializer, claim_payload())["lines"][0]["cotation"] == "Cs"
    # when / then
    assert reused(s.ClaimInputSerializer, payload) == fresh(s.ClaimInputSerializer, payload)


def test_after_an_error_the_next_check_sees_only_its_own_data():
    # given
    with pytest.raises(ValidationError):
        validated(s.ClaimInputSerializer, BAD_PAYLOADS[4])
    # when
    data = validated(s.ClaimInputSerializer, claim_payload(care_sheet_number="FS-9"))
    # then
    assert data == fresh(s.ClaimInputSerializer, claim_payload(care_sheet_number="FS-9"))
    assert [line["kind"] for line in data["lines"]] == ["acte", "acte"]


def test_threads_checking_at_once_each_get_their_own_answer():
    # given: each thread alternates good and bad claims that differ by thread
    results: dict[int, list] = {}

    def work(n: int) -> None:
        answers = []
        for i in range(200):
            payload = claim_payload(care_sheet_number=f"FS-{n}-{i}") if i % 2 else BAD_PAYLOADS[n % 3 + 3]
            answers.append(reused(s.ClaimInputSerializer, payload))
        results[n] = answers

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    for n, answers in results.items():
        for i, answer in enumerate(answers):
            if i % 2:
                assert answer["care_sheet_number"] == f"FS-{n}-{i}"
            else:
                assert answer == fresh(s.ClaimInputSerializer, BAD_PAYLOADS[n % 3 + 3])
