"""The API's JSON parser: a body of bounded size and nesting depth, checked before it is decoded."""
import io
import re
from itertools import accumulate

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

#: Our payloads nest 4 levels (a claim, its lines, a line); a client has no reason to send more.
MAX_JSON_DEPTH = 32
MSG_TOO_DEEP = f"Corps JSON invalide : plus de {MAX_JSON_DEPTH} niveaux d'imbrication."
#: A claim of 50 lines weighs about 10 KB.
MAX_JSON_BYTES = 1024 * 1024
MSG_TOO_LARGE = "Corps JSON trop volumineux (1 Mo au plus)."

#: A string, its closing quote optional: an unterminated one runs to the end of the text (an error
#: for the parser) in one match, instead of being tried again from every later quote (quadratic).
_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.S)
_NOT_BRACKETS = re.compile(rb"[^\[\]{}]+")
#: +1 for an opening bracket, -1 for a closing one (the other bytes are gone by then).
_STEP = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1


def json_depth(raw: bytes) -> int:
    """How deep a JSON text nests arrays and objects, read without decoding it: strings blanked
    and everything but brackets dropped by regular expressions, then the running count of open
    brackets (C iterators: linear, no recursion, whatever the depth)."""
    brackets = _NOT_BRACKETS.sub(b"", _STRINGS.sub(b"", raw))
    if brackets.count(b"[") + brackets.count(b"{") <= 1:
        return 1 if brackets else 0
    return max(accumulate(map(_STEP.__getitem__, brackets)))


class BoundedJSONParser(JSONParser):
    """DRF's JSONParser, after two checks on the raw body: its size (DRF reads the request's
    stream, where Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not apply) and its depth (Python's
    json module recurses once per level: 1,000 levels raise RecursionError, a 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read(MAX_JSON_BYTES + 1)
        if len(raw) > MAX_JSON_BYTES:
            raise ParseError(MSG_TOO_LARGE)
        if json_depth(raw) > MAX_JSON_DEPTH:
            raise ParseError(MSG_TOO_DEEP)
        return super().parse(io.BytesIO(raw), media_type, parser_context)
