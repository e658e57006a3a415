"""Accent-insensitive search: fold Vietnamese text and build safe SQLite FTS5 / PostgreSQL queries.

Store ``fold(text)`` in the index and search with ``fold_query``/``fold_tsquery`` of user input.
"""

from __future__ import annotations

import re
import unicodedata

MAX_QUERY_TOKENS = 32
MAX_TOKEN_CHARS = 64
FTS5_OPERATORS = frozenset({"AND", "OR", "NOT", "NEAR"})
"""FTS5 keywords are operators only in upper case; a clerk typing "NOT" means the operator."""

# Đ/đ carry a stroke, not a combining mark, so NFD leaves them intact; Ð/ð (eth) stand in for
# them in text converted from legacy Vietnamese encodings.
_D_MAP = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"})
_TOKEN = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ -> d), collapse whitespace: "Hỏa tốc" -> "hoa toc"."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D_MAP))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(unicodedata.normalize("NFC", bare).casefold().split())


def query_tokens(query: str) -> list[str]:
    """Folded words of a user query; operators typed in upper case and punctuation are dropped."""
    words = [w for w in _words(query) if w not in FTS5_OPERATORS]
    tokens = _TOKEN.findall(fold(" ".join(words)))
    return [t[:MAX_TOKEN_CHARS] for t in tokens[:MAX_QUERY_TOKENS]]


def _words(text: str) -> list[str]:
    """Split on anything but letters, digits and combining marks, so "NEAR(x" yields "NEAR"."""
    text = unicodedata.normalize("NFC", text)
    return "".join(c if c.isalnum() or unicodedata.combining(c) else " " for c in text).split()


def fold_query(query: str, prefix: bool = False) -> str:
    """An FTS5 MATCH expression that matches documents containing every word of ``query``.

    Each token is a double-quoted string, so no FTS5 syntax (NEAR, *, ^, -, :, parentheses,
    column filters) can reach the parser. With ``prefix`` the last word also matches longer
    words, for search-as-you-type. "" means there is nothing to search for: skip the MATCH.
    """
    quoted = [_fts5_string(t) for t in query_tokens(query)]
    if prefix and quoted:
        quoted[-1] += " *"
    return " ".join(quoted)


def _fts5_string(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def fold_tsquery(query: str, prefix: bool = False) -> str:
    """A ``to_tsquery('simple', ...)`` string: every word required, optional prefix on the last.

    Use it against ``to_tsvector('simple', fold(text))``. Tokens are single-quoted lexemes with
    quotes and backslashes escaped, so the tsquery parser sees no operators. "" means no search.
    """
    lexemes = [_tsquery_lexeme(t) for t in query_tokens(query)]
    if prefix and lexemes:
        lexemes[-1] += ":*"
    return " & ".join(lexemes)


def _tsquery_lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"
