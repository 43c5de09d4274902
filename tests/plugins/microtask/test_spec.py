from __future__ import annotations

from typing import Any

import pytest

from crowdgraph.plugins.microtask.spec import answer_problems, same_answer, spec_problems

SPECS: dict[str, dict[str, Any]] = {
    "label": {"kind": "label", "labels": ["yes", "no"]},
    "labels": {"kind": "labels", "labels": ["red", "green", "blue"], "min": 1, "max": 2},
    "number": {"kind": "number", "min": -100, "max": 100},
    "text": {"kind": "text", "min_length": 2, "max_length": 10},
    "json": {
        "kind": "json",
        "schema": {
            "type": "object",
            "required": ["box", "label"],
            "properties": {
                "label": {"type": "string", "enum": ["car", "bike"]},
                "box": {
                    "type": "array",
                    "items": {"type": "integer", "minimum": 0},
                    "minItems": 4,
                    "maxItems": 4,
                },
            },
        },
    },
}


@pytest.mark.parametrize("spec", SPECS.values(), ids=list(SPECS))
def test_every_kind_of_spec_is_valid(spec: dict[str, Any]) -> None:
    assert spec_problems(spec) == []


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ({"kind": "vote"}, "kind must be one of"),
        ({"kind": "label", "labels": ["only"]}, "at least 2 labels"),
        ({"kind": "label", "labels": ["a", "a"]}, "distinct"),
        ({"kind": "number", "min": 5, "max": 1}, "min < max"),
        ({"kind": "text", "min_length": 5, "max_length": 2}, "min_length"),
        ({"kind": "json", "schema": {"type": "date"}}, "schema.type must be one of"),
    ],
)
def test_a_bad_spec_says_what_is_wrong(spec: dict[str, Any], problem: str) -> None:
    assert problem in " ".join(spec_problems(spec))


@pytest.mark.parametrize(
    ("kind", "answer"),
    [
        ("label", "yes"),
        ("labels", ["red", "blue"]),
        ("number", -3.5),
        ("text", "hello"),
        ("json", {"label": "car", "box": [0, 1, 2, 3]}),
    ],
)
def test_a_fitting_answer_passes(kind: str, answer: Any) -> None:
    assert answer_problems(SPECS[kind], answer) == []


@pytest.mark.parametrize(
    ("kind", "answer", "problem"),
    [
        ("label", "maybe", "must be one of yes, no"),
        ("labels", ["red", "green", "blue"], "between 1 and 2 labels"),
        ("labels", ["red", "red"], "must not repeat"),
        ("number", 101, "between -100 and 100"),
        ("number", True, "must be a number"),
        ("text", "x", "between 2 and 10 characters"),
        ("json", {"label": "car"}, "answer.box is required"),
        ("json", {"label": "bus", "box": [0, 1, 2, 3]}, "answer.label must be one of"),
        ("json", {"label": "car", "box": [0, -1, 2, 3]}, "answer.box[1] must be >= 0"),
        ("json", {"label": "car", "box": [0, 1]}, "at least 4 items"),
    ],
)
def test_a_wrong_answer_says_what_is_allowed(kind: str, answer: Any, problem: str) -> None:
    assert problem in " ".join(answer_problems(SPECS[kind], answer))


def test_label_sets_and_texts_compare_loosely_for_gold_checks() -> None:
    assert same_answer(SPECS["labels"], ["red", "blue"], ["blue", "red"])
    assert same_answer(SPECS["text"], " Hello ", "hello")
    assert not same_answer(SPECS["label"], "yes", "no")
