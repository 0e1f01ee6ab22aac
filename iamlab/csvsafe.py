"""CSV that a spreadsheet shows as written (OWASP, "CSV Injection").

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return before one) as a formula, so text people typed could run in an instructor's
spreadsheet: ``=HYPERLINK(...)``, ``+1+1``, ``@SUM(...)``. Every cell of an export goes through
:func:`safe_cell`; sign-up also refuses usernames that start that way.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Protocol

__all__ = ["FORMULA_STARTS", "safe_cell", "writer"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """``value``, or if it is text that would start a formula, that text after a single
    quote (spreadsheets show it as text and hide the quote). Numbers pass as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Writable(Protocol):
    def write(self, s: str, /) -> object: ...


class _SafeWriter:
    def __init__(self, out: _Writable) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([safe_cell(value) for value in row])


def writer(out: _Writable) -> _SafeWriter:
    """A ``csv.writer`` whose every cell goes through :func:`safe_cell`."""
    return _SafeWriter(out)
