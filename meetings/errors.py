"""Typed errors raised by the meetings package.

Raise sites pass one literal English sentence wrapped in ``N_`` (translated by the handler).
"""

from __future__ import annotations

from core.errors import BadInput


class EmptyQuote(BadInput):
    """A note or highlight must quote some text of the page: it is what finds it again later."""

    code = "empty_quote"


class AnchorOutsideText(BadInput):
    """The page or offsets of a note lie outside the version's text (a stale or forged request)."""

    code = "anchor_outside_text"
