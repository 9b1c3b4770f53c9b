"""The flat transfer order and bank return formats (docs/transfer-file.md), against fixture files."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from payments.exceptions import TransferFileError
from payments.transfer_file import (
    OrderHeader,
    Section,
    SectionHead,
    Transfer,
    TransferResult,
    ascii_text,
    parse_amount,
    parse_bank_return,
    parse_transfer_order,
    stream_transfer_order,
    write_bank_return,
    write_transfer_order,
)

FIXTURES = Path(__file__).parent / "fixtures"
D = Decimal
CASABLANCA = timezone(timedelta(hours=1))
HEADER = OrderHeader("BRD-CNOPS-MGPAP-20260302-000042", datetime(2026, 3, 2, 10, 15, 0, tzinfo=CASABLANCA),
                     date(2026, 3, 2), "CNOPS", "MGPAP")
RIB_1, RIB_2 = "011780000000000000000150", "007780000000000000000257"


def sections() -> list[Section]:
    return [
        Section("A", "Caisse Nationale des Organismes de Prévoyance Sociale", "MA64011519000001205000534921", [
            Transfer("MGPAP-2026-00000001-000042-A", RIB_1, "MA64" + RIB_1, "Karim Alaoui", D("120.00"),
                     "MGPAP-2026-00000001", "REMBOURSEMENT AMO CNOPS DOSSIER MGPAP-2026-00000001"),
            Transfer("MGPAP-2026-00000002-000042-A", RIB_2, "MA64" + RIB_2, "Fatima-Zahra El Ouazzani", D("1052.80"),
                     "MGPAP-2026-00000002", "REMBOURSEMENT AMO CNOPS DOSSIER MGPAP-2026-00000002"),
        ]),
        Section("C", "Mutuelle Générale du Personnel des Administrations Publiques", "MA16007780000123450000012383", [
            Transfer("MGPAP-2026-00000001-000042-C", RIB_1, "MA64" + RIB_1, "Karim Alaoui", D("40.00"),
                     "MGPAP-2026-00000001", "REMBOURSEMENT COMPLEMENTAIRE MGPAP DOSSIER MGPAP-2026-00000001"),
        ]),
    ]


def test_transfer_order_is_written_exactly_as_the_fixture_file():
    # when
    content = write_transfer_order(HEADER, sections())
    # then
    assert content == (FIXTURES / "transfer-order.txt").read_bytes()


def test_transfer_order_streamed_in_small_pieces_is_the_same_file():
    # given
    heads = [(SectionHead(s.payer, s.payer_name, s.payer_iban, len(s.transfers), s.total), iter(s.transfers))
             for s in sections()]
    # when
    pieces = list(stream_transfer_order(HEADER, heads, batch=2))
    # then
    assert len(pieces) > 1
    assert b"".join(pieces) == (FIXTURES / "transfer-order.txt").read_bytes()


def test_a_streamed_section_whose_transfers_do_not_add_up_to_its_head_is_refused():
    # given
    amo = sections()[0]
    head = SectionHead(amo.payer, amo.payer_name, amo.payer_iban, 2, D("999.00"))
    # when / then
    with pytest.raises(TransferFileError, match="annoncés 2 pour 999.00"):
        b"".join(stream_transfer_order(HEADER, [(head, amo.transfers)]))


def test_transfer_order_header_and_trailer_carry_count_and_total():
    # when
    records = write_transfer_order(HEADER, sections()).decode("ascii").split("\r\n")
    # then
    header, trailer = records[0].split(";"), records[-2].split(";")
    assert header[7:10] == ["3", "1212.80", "2"]
    assert trailer == ["FI", "3", "1212.80", "7"]


def test_reading_the_fixture_back_gives_the_transfers_and_their_sums():
    # when
    order = parse_transfer_order((FIXTURES / "transfer-order.txt").read_bytes())
    # then
    assert order.header.bordereau_number == HEADER.bordereau_number
    assert [s.total for s in order.sections] == [D("1172.80"), D("40.00")]
    assert order.transfers[1].payee_name == "FATIMA-ZAHRA EL OUAZZANI"


def test_a_section_without_transfers_is_left_out():
    # given
    only_amo = [sections()[0], Section("C", "Mutuelle", "MA16007780000123450000012383", [])]
    # when
    order = parse_transfer_order(write_transfer_order(HEADER, only_amo))
    # then
    assert [s.payer for s in order.sections] == ["A"]


def test_a_tampered_amount_breaks_the_control_totals():
    # given
    content = (FIXTURES / "transfer-order.txt").read_bytes().replace(b";120.00;", b";121.00;")
    # when / then
    with pytest.raises(TransferFileError, match="section"):
        parse_transfer_order(content)


@pytest.mark.parametrize(("name", "expected"), [
    ("Hélène Bénani", "HELENE BENANI"),
    ("Aït; Oumghar", "AIT OUMGHAR"),
    ("O'Neil-Çelik", "O'NEIL-CELIK"),
    ("محمد", ""),
])
def test_names_are_upper_case_ascii_without_separator(name, expected):
    assert ascii_text(name, 70) == expected


def test_a_transfer_with_an_invalid_rib_cannot_be_written():
    # given
    bad = Section("A", "CNOPS", "MA64011519000001205000534921",
                  [Transfer("X-1-A", "12345", "MA6412345", "A", D("1.00"), "X", "L")])
    # when / then
    with pytest.raises(TransferFileError, match="RIB"):
        write_transfer_order(HEADER, [bad])


def test_the_bank_return_fixture_is_read_with_its_rejection():
    # when
    parsed = parse_bank_return((FIXTURES / "bank-return.txt").read_bytes())
    # then
    assert parsed.bordereau_number == HEADER.bordereau_number
    assert [(r.transfer_id, r.accepted, r.reason_code) for r in parsed.results] == [
        ("MGPAP-2026-00000001-000042-A", True, ""), ("MGPAP-2026-00000002-000042-A", False, "AC04"),
        ("MGPAP-2026-00000001-000042-C", True, "")]
    assert parsed.results[0].booked_on == date(2026, 3, 4)


def test_a_bank_return_written_here_reads_back_identically():
    # given
    results = [TransferResult("R-1-A", True, D("10.00"), booked_on=date(2026, 3, 4)),
               TransferResult("R-1-C", False, D("2.50"), "AC01", "NUMERO DE COMPTE INCORRECT")]
    # when
    parsed = parse_bank_return(write_bank_return(bordereau_number="B", order_sha256="0" * 64,
                                                 processed_on=date(2026, 3, 4), results=results))
    # then
    assert parsed.results == results


def test_a_bank_return_whose_trailer_disagrees_is_refused():
    # given
    content = (FIXTURES / "bank-return.txt").read_bytes().replace(b"FI;3;", b"FI;2;")
    # when / then
    with pytest.raises(TransferFileError, match="fin"):
        parse_bank_return(content)


def test_a_rejected_transfer_without_reason_code_is_refused():
    # given
    content = (FIXTURES / "bank-return.txt").read_bytes().replace(b";RJCT;1052.80;AC04;", b";RJCT;1052.80;;")
    # when / then
    with pytest.raises(TransferFileError, match="motif"):
        parse_bank_return(content)


@pytest.mark.parametrize(("text", "expected"), [
    ("0.00", D("0.00")), ("120.00", D("120.00")), ("1234567890.99", D("1234567890.99")),
    ("1.5", None), ("12345678901.00", None), ("-1.00", None), ("1,50", None), (" 1.50", None),
    ("1.50\n", None), ("1e3.00", None), (".50", None), ("1.505", None),
])
def test_amounts_are_read_only_as_digits_a_point_and_two_decimals(text, expected):
    if expected is None:
        # when / then
        with pytest.raises(TransferFileError, match="illisible"):
            parse_amount(text, 3)
    else:
        # when / then
        assert parse_amount(text, 3) == expected
