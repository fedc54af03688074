"""Templates with placeholders, and sensitive-word matching."""

from __future__ import annotations

import pytest

from switchboard.domain.templates import matches_any, placeholders, render
from switchboard.domain.words import WordMatcher


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param("Your code is 1234. Valid 5 min.", True, id="filled"),
        pytest.param("Your code is . Valid 5 min.", False, id="empty-placeholder"),
        pytest.param("your code is 1234. Valid 5 min.", False, id="case-matters"),
        pytest.param("Your code is 1234. Valid 5 min. Extra", False, id="trailing-text"),
        pytest.param("Your code is a.b*c. Valid 5 min.", True, id="regex-characters-in-value"),
    ],
)
def test_template_matching(content: str, expected: bool) -> None:
    assert matches_any(content, ["Your code is {code}. Valid {minutes} min."]) is expected


def test_literal_braces_and_regex_characters_in_templates() -> None:
    assert matches_any("Price {USD} 3.5 (ok)", ["Price {{USD}} {amount} (ok)"])
    assert placeholders("Hi {name}, {{x}} {code}") == ["name", "code"]
    assert render("Hi {name}, code {code}", {"name": "Ann", "code": "42"}) == "Hi Ann, code 42"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        pytest.param("Cheaploans!", "loan", id="substring-latin"),
        pytest.param("LOAN", "loan", id="case-insensitive"),
        pytest.param("这是赌博网站", "赌博", id="cjk"),
        pytest.param("hello", None, id="clean"),
    ],
)
def test_sensitive_words(text: str, found: str | None) -> None:
    assert WordMatcher(["Loan", "赌博", " "]).first_match(text) == found


def test_an_empty_list_matches_nothing() -> None:
    assert WordMatcher([]).first_match("anything") is None
