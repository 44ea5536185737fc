"""Request parsers that refuse what PostgreSQL and our invariants cannot store.

A NUL byte in any string (JSON value, JSON key, form field) is rejected with 400 before a view runs:
PostgreSQL text cannot hold it, and letting it through would surface as a 500 deep in the ORM.
Form data that is not UTF-8 is rejected too, as malformed JSON is, rather than stored mangled.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import unquote_to_bytes

import orjson
from rest_framework.exceptions import ParseError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

NUL_MESSAGE = "The request contains a NUL byte, which is not allowed."
UTF8_MESSAGE = "The form data is not valid UTF-8."


def contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(contains_nul(v) for v in value)
    return False


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        if not raw.strip():
            return {}
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise ParseError(f"Malformed JSON: {exc}") from None
        if contains_nul(data):
            raise ParseError(NUL_MESSAGE)
        return data


def _check_querydict(data) -> None:
    for key, values in data.lists():
        if "\x00" in key or any(isinstance(v, str) and "\x00" in v for v in values):
            raise ParseError(NUL_MESSAGE)


def _check_utf8_form(raw: bytes) -> None:
    """Django decodes form fields with ``errors="replace"``: bytes that are not UTF-8 would be
    stored as U+FFFD characters. A JSON body with them is refused (malformed); so is this."""
    for field in raw.split(b"&"):
        for part in field.split(b"=", 1):
            try:
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                raise ParseError(UTF8_MESSAGE) from None


class StrictFormParser(FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        _check_utf8_form(raw)
        data = super().parse(io.BytesIO(raw), media_type, parser_context)
        _check_querydict(data)
        return data


def _check_decoded_fields(data) -> None:
    """Django's multipart parser decodes each text field with ``errors="replace"``, and the
    raw bytes are gone by then: a field holding U+FFFD was not valid UTF-8 on the wire (or
    carried that very character, which no form input produces on purpose)."""
    for values in data.lists():
        for value in values[1]:
            if isinstance(value, str) and "\ufffd" in value:
                raise ParseError(UTF8_MESSAGE)


class StrictMultiPartParser(MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        _check_querydict(result.data)
        _check_decoded_fields(result.data)
        for key, uploaded in result.files.items():
            if "\x00" in key or "\x00" in (uploaded.name or ""):
                raise ParseError(NUL_MESSAGE)
        return result
