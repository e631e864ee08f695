"""Every commitment's relation says what its wording says.

The relation decides the direction progress is judged in, so a wrong one turns a target to
reach into a ceiling (``up to 50 School Superzones`` stored as ``at_most`` made a return of
0 "achieved"). Each target text is classified by its wording, rules tried in order, and the
relation must be one the wording allows.
"""

from __future__ import annotations

import re

import pytest

from healthgap.catalogue import Catalogue, Commitment, TargetStatus, load_catalogue

#: (rule name, pattern on the lower-cased target text, relations the wording allows)
RULES: tuple[tuple[str, re.Pattern[str], frozenset[str]], ...] = (
    ("reduce/halve/cut", re.compile(r"\b(reduc\w*|halve|cut)\b"), frozenset({"reduce_by"})),
    ("+N / grow by", re.compile(r"\b(additional|grow\w*)\b|\+\d"), frozenset({"increase_by"})),
    (
        "zero / no new / none",
        re.compile(
            r"\bnet (carbon )?zero\b|\bzero (stigma|preventable|suicide city)\b|\bno new\b|"
            r"\bno rough sleepers die\b"
        ),
        frozenset({"zero"}),
    ),
    (
        "below / at most / a limit on a level",
        re.compile(r"\b(below|at most|no more than)\b|\bmeeting the who interim target\b"),
        frozenset({"at_most"}),
    ),
    (
        "at least / up to / reach / all / N of something",
        re.compile(r"\b(at least|up to|reach\w*|all|every|meets?)\b|\d|zero-emission|free"),
        frozenset({"at_least", "reach"}),
    ),
)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


def _classify(c: Commitment) -> tuple[str, frozenset[str]]:
    text = c.target.text.lower()
    for name, pattern, allowed in RULES:
        if pattern.search(text):
            return name, allowed
    raise AssertionError(f"{c.id}: no wording rule matches {c.target.text!r}")


def test_every_relation_matches_the_wording(catalogue: Catalogue) -> None:
    commitments = catalogue.commitments
    assert len(commitments) >= 47
    wrong = []
    for c in commitments:
        if c.target.status is not TargetStatus.SET:
            continue
        name, allowed = _classify(c)
        if c.target.relation not in allowed:
            wrong.append(f"{c.id}: {c.target.text!r} reads as '{name}' but is {c.target.relation}")
    assert wrong == []


def test_every_set_target_is_classified_and_consistent(catalogue: Catalogue) -> None:
    seen: dict[str, int] = {}
    for c in catalogue.commitments:
        if c.target.status is not TargetStatus.SET:
            continue
        name, _ = _classify(c)
        seen[name] = seen.get(name, 0) + 1
        assert c.target.value is not None
        if c.target.relation == "zero":
            assert c.target.value == 0.0, c.id
        if "halve" in c.target.text.lower():
            assert (c.target.relation, c.target.value) == ("reduce_by", 50.0), c.id
    # the wording rules all do work: each classifies at least one commitment
    assert set(seen) == {name for name, _, _ in RULES}


def test_up_to_n_is_a_target_to_reach(catalogue: Catalogue) -> None:
    up_to = [c for c in catalogue.commitments if "up to" in c.target.text.lower()]
    assert [c.id for c in up_to] == ["school_superzones_2025"]
    assert all(c.target.relation in ("at_least", "reach") for c in up_to)
