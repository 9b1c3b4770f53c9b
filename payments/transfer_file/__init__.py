"""The flat transfer order file and the bank return file (docs/transfer-file.md): writing and
reading. Pure: no ORM, no I/O, Decimal amounts; the services feed it and store what it returns.

records.py holds what both files share, order.py the order, bank_return.py the bank's return;
everything is importable from here."""
from payments.exceptions import TransferFileError
from payments.transfer_file.bank_return import ParsedReturn, TransferResult, parse_bank_return, write_bank_return
from payments.transfer_file.order import (
    OrderHeader,
    ParsedOrder,
    Section,
    SectionHead,
    Transfer,
    parse_transfer_order,
    stream_transfer_order,
    write_transfer_order,
)
from payments.transfer_file.records import (
    ACCEPTED,
    CENT,
    EOL,
    LABEL_MAX,
    NAME_MAX,
    ORDER_FORMAT,
    REJECTED,
    RETURN_FORMAT,
    SEP,
    TRANSFER_ID_MAX,
    amount_text,
    ascii_text,
    parse_amount,
    parse_date,
)

__all__ = [
    "ACCEPTED", "CENT", "EOL", "LABEL_MAX", "NAME_MAX", "ORDER_FORMAT", "REJECTED", "RETURN_FORMAT", "SEP",
    "TRANSFER_ID_MAX", "OrderHeader", "ParsedOrder", "ParsedReturn", "Section", "SectionHead", "Transfer",
    "TransferFileError", "TransferResult", "amount_text", "ascii_text", "parse_amount", "parse_bank_return",
    "parse_date", "parse_transfer_order", "stream_transfer_order", "write_bank_return", "write_transfer_order",
]
