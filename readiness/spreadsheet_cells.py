"""The one writer of CSV and XLSX cells: every export goes through it, so that no text a user
wrote (a narrative, a comment, a document name) is ever run as a formula by the spreadsheet
that opens the file (OWASP "CSV injection").

- CSV: a text cell beginning with = + - @, a tab, a carriage return or a line feed gets a
  leading single quote, which spreadsheets show as text ("+1" too: as text it is a comment,
  not a number). Numbers (int, float, Decimal) are written as they are.
- XLSX: text is written as a text cell (data type "s", marked quote-prefixed as Excel marks an
  entry typed after an apostrophe), never as a formula, which openpyxl otherwise makes of any
  string beginning with "="; the text itself is kept unchanged. Numbers stay numbers."""

import csv
import io
import itertools
from collections.abc import Iterable, Iterator

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
BYTE_ORDER_MARK = "\ufeff"  # so that spreadsheets read the CSV as UTF-8


def inert_text(text: str) -> str:
    """`text` as a CSV cell no spreadsheet evaluates."""
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def csv_row(values: Iterable) -> list:
    return [inert_text(value) if isinstance(value, str) else value for value in values]


class _Echo:
    def write(self, value):
        return value


def csv_lines(
    columns: list[str], rows: Iterable[Iterable], byte_order_mark: bool = True
) -> Iterator[str]:
    """The table as CSV, line by line (for streaming), by default with a byte-order mark."""
    writer = csv.writer(_Echo())
    yield (BYTE_ORDER_MARK if byte_order_mark else "") + writer.writerow(csv_row(columns))
    for row in rows:
        yield writer.writerow(csv_row(row))


def xlsx_cell(sheet, value) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def xlsx_bytes(sheet_name: str, columns: list[str], rows: Iterable[Iterable]) -> bytes:
    """A workbook of one sheet: the column names, then the rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name[:31])
    for row in itertools.chain([columns], rows):
        sheet.append([xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
