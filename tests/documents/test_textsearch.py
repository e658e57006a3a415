"""Accent folding and query building, checked against a real in-memory SQLite FTS5 table.

Hostile queries must never make FTS5 raise; folded queries must find folded documents.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from documents.textsearch import MAX_QUERY_TOKENS, fold, fold_query, fold_tsquery, query_tokens

DOCUMENT = (
    "Quyết định về việc ban hành Kế hoạch cải cách hành chính năm 2026 của Ủy ban nhân dân "
    "tỉnh Hậu Giang; đường Trần Hưng Đạo. Độ khẩn: Hỏa tốc."
)


@pytest.fixture(scope="module")
def index() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE docs USING fts5(body)")
    connection.execute("INSERT INTO docs (body) VALUES (?)", (fold(DOCUMENT),))
    connection.execute("INSERT INTO docs (body) VALUES (?)", (fold("Báo cáo tài chính quý I"),))
    yield connection
    connection.close()


def hits(connection: sqlite3.Connection, query: str, prefix: bool = False) -> int:
    expression = fold_query(query, prefix=prefix)
    if not expression:
        return 0
    row = connection.execute(
        "SELECT count(*) FROM docs WHERE docs MATCH ?", (expression,)
    ).fetchone()
    return int(row[0])


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("cải cách hành chính", "cai cach hanh chinh"),
        ("CAI CACH HANH CHINH", "cai cach hanh chinh"),
        ("CẢI CÁCH HÀNH CHÍNH", "cai cach hanh chinh"),
        ("Đường", "duong"),
        ("đường", "duong"),
        ("Hỏa tốc", "hoa toc"),
        ("Hoả tốc", "hoa toc"),
        ("Thượng khẩn", "thuong khan"),
        ("  Tối\tmật\n\n", "toi mat"),
        ("Ca\u0309i ca\u0301ch", "cai cach"),
        ("Q\u00d0-UBND", "qd-ubnd"),
        ("", ""),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


@given(st.text())
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@pytest.mark.parametrize(
    "query",
    ["cải cách", "CAI CACH", "hậu giang", "Đường Trần Hưng Đạo", "hỏa tốc", "ủy ban 2026"],
)
def test_folded_queries_find_the_document(index: sqlite3.Connection, query: str) -> None:
    assert hits(index, query) == 1


def test_every_word_is_required(index: sqlite3.Connection) -> None:
    assert hits(index, "cải cách tài chính") == 0
    assert hits(index, "báo cáo") == 1


def test_prefix_matching_on_the_last_word(index: sqlite3.Connection) -> None:
    assert hits(index, "hành chín") == 0
    assert hits(index, "hành chín", prefix=True) == 1


HOSTILE = [
    '"',
    '""',
    'cải "cách',
    "NEAR(cai cach)",
    "NEAR(cai cach, 2)",
    "cai NOT cach",
    "cai AND OR NOT",
    "cai*",
    "*",
    "-cai",
    "body:cai",
    "{body}: cai",
    "cai ^cach",
    "((cai",
    "cai)",
    "cai + cach",
    "'; DROP TABLE docs; --",
    "\x00cai",
    "AND",
    "NEAR",
    "",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_raise(index: sqlite3.Connection, query: str) -> None:
    hits(index, query)
    hits(index, query, prefix=True)


def test_operators_are_neutralised_not_obeyed(index: sqlite3.Connection) -> None:
    # As FTS5 syntax "cai NOT cach" would exclude the document; as words it must still match.
    assert hits(index, "cai NOT cach") == 1
    assert hits(index, "NEAR(cải cách)") == 1
    assert hits(index, "-cải") == 1
    assert fold_query('a"b') == '"a" "b"'
    assert fold_query("NEAR(x y)") == '"x" "y"'


def test_tokens_are_quoted_and_capped() -> None:
    assert fold_query("Cải cách") == '"cai" "cach"'
    assert fold_query("Cải cách", prefix=True) == '"cai" "cach" *'
    assert fold_query("((( ***") == ""
    assert len(query_tokens("a " * 100)) == MAX_QUERY_TOKENS


@given(st.text(max_size=200), st.booleans())
def test_any_text_is_a_valid_match_expression(query: str, prefix: bool) -> None:
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE docs USING fts5(body)")
    connection.execute("INSERT INTO docs (body) VALUES (?)", (fold(DOCUMENT),))
    expression = fold_query(query, prefix=prefix)
    if expression:
        connection.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (expression,))
    connection.close()


def test_tsquery_string() -> None:
    assert fold_tsquery("Cải cách hành chính") == "'cai' & 'cach' & 'hanh' & 'chinh'"
    assert fold_tsquery("hành chín", prefix=True) == "'hanh' & 'chin':*"
    assert fold_tsquery("it's a | b & !c <-> d") == "'it' & 's' & 'a' & 'b' & 'c' & 'd'"
    assert fold_tsquery("!!!") == ""
