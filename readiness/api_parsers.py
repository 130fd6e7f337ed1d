"""The API's JSON parser: DRF's, refusing with 400 what the application cannot hold.

- Nesting deeper than MAX_DEPTH: no request body of this API nests more than a few levels, and
  5,000 levels made the standard parser raise RecursionError, a 500.
- Strings (keys included) with a NUL character, which PostgreSQL's text and jsonb refuse, or with
  a lone surrogate (a "\\ud800" escape), which no UTF-8 database connection can encode."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32


def unstorable_part(data) -> str | None:
    """Why `data` (parsed JSON) cannot be stored, or None. Iterative: no recursion to exhaust."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                return f"JSON nested deeper than {MAX_DEPTH} levels."
            items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            pending.extend((item, depth + 1) for item in items)
        elif isinstance(value, str):
            if "\x00" in value:
                return "JSON strings may not contain the NUL character (\\u0000)."
            try:
                value.encode()
            except UnicodeEncodeError:
                return "JSON strings may not contain lone surrogates (\\ud800-\\udfff)."
    return None


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels.") from None
        problem = unstorable_part(data)
        if problem:
            raise ParseError(problem)
        return data
