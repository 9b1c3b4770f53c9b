"""The transfer order as an ISO 20022 pain.001.001.03 message (Customer Credit Transfer
Initiation), for banks that take XML (domain.md §5.3, docs/transfer-file.md, last section).

Same content as the flat order: one payment information block per payer (the organisme's AMO
account, the mutuelle's account), one credit transfer per payee and payer, with the same
EndToEndId. Written as text (200,000 transfers would make millions of XML elements in memory);
the element order follows the pain.001.001.03 schema. Pure: sections in, bytes out.
"""
from collections.abc import Iterable, Iterator
from decimal import Decimal
from xml.sax.saxutils import escape

from payments.transfer_file import NAME_MAX, OrderHeader, Section, amount_text, ascii_text

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
#: The debtor's bank is not known to the portal: the schema's placeholder for "not provided".
NOT_PROVIDED = "NOTPROVIDED"


def _text(value: str, limit: int = NAME_MAX) -> str:
    return escape(ascii_text(value, limit))


def _transfers(section: Section) -> Iterator[str]:
    for t in section.transfers:
        yield (f"<CdtTrfTxInf><PmtId><EndToEndId>{escape(t.transfer_id)}</EndToEndId></PmtId>"
               f'<Amt><InstdAmt Ccy="MAD">{amount_text(t.amount)}</InstdAmt></Amt>'
               f"<Cdtr><Nm>{_text(t.payee_name)}</Nm></Cdtr>"
               f"<CdtrAcct><Id><IBAN>{escape(t.iban)}</IBAN></Id></CdtrAcct>"
               f"<RmtInf><Ustrd>{_text(t.label, 140)}</Ustrd></RmtInf></CdtTrfTxInf>\n")


def _payment_information(header: OrderHeader, section: Section) -> Iterator[str]:
    yield (f"<PmtInf><PmtInfId>{escape(header.bordereau_number)}-{section.payer}</PmtInfId><PmtMtd>TRF</PmtMtd>"
           f"<BtchBookg>false</BtchBookg><NbOfTxs>{len(section.transfers)}</NbOfTxs>"
           f"<CtrlSum>{amount_text(section.total)}</CtrlSum>"
           f"<ReqdExctnDt>{header.execution_date.isoformat()}</ReqdExctnDt>"
           f"<Dbtr><Nm>{_text(section.payer_name)}</Nm></Dbtr>"
           f"<DbtrAcct><Id><IBAN>{escape(section.payer_iban)}</IBAN></Id></DbtrAcct>"
           f"<DbtrAgt><FinInstnId><Othr><Id>{NOT_PROVIDED}</Id></Othr></FinInstnId></DbtrAgt>"
           f"<ChrgBr>SLEV</ChrgBr>\n")
    yield from _transfers(section)
    yield "</PmtInf>\n"


def write_pain001(header: OrderHeader, sections: Iterable[Section]) -> bytes:
    sections = [s for s in sections if s.transfers]
    count = sum(len(s.transfers) for s in sections)
    total = sum((s.total for s in sections), Decimal("0.00"))
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<Document xmlns="{NAMESPACE}"><CstmrCdtTrfInitn>\n',
        f"<GrpHdr><MsgId>{escape(header.bordereau_number)}</MsgId>"
        f"<CreDtTm>{header.created_at.isoformat(timespec='seconds')}</CreDtTm>"
        f"<NbOfTxs>{count}</NbOfTxs><CtrlSum>{amount_text(total)}</CtrlSum>"
        f"<InitgPty><Nm>{_text(header.fund_code)} {_text(header.mutuelle_code)}</Nm></InitgPty></GrpHdr>\n",
    ]
    for section in sections:
        parts.extend(_payment_information(header, section))
    parts.append("</CstmrCdtTrfInitn></Document>\n")
    return "".join(parts).encode("utf-8")
