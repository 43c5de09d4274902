"""Answer specs: what an answer to a batch's tasks must look like, and checking answers against it.

Kinds: ``label`` (one of ``labels``), ``labels`` (several of ``labels``, ``min``..``max`` of them),
``number`` (``min``..``max``, optionally ``integer``), ``text`` (``min_length``..``max_length``)
and ``json`` (a JSON-schema subset: type, required, properties, items, enum, minimum/maximum,
minLength/maxLength, minItems/maxItems).
"""

from __future__ import annotations

import json
from typing import Any

Spec = dict[str, Any]
KINDS = ("label", "labels", "number", "text", "json")
JSON_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "null": (type(None),),
}
MAX_TEXT = 10_000


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _labels_problems(spec: Spec) -> list[str]:
    labels = spec.get("labels")
    if not isinstance(labels, list) or len(labels) < 2:
        return ["labels must be a list of at least 2 labels"]
    if not all(isinstance(label, str) and label for label in labels):
        return ["labels must be non-empty strings"]
    if len(set(labels)) != len(labels):
        return ["labels must be distinct"]
    return []


def spec_problems(spec: Any) -> list[str]:
    """What is wrong with an answer spec, as sentences (empty when valid)."""
    if not isinstance(spec, dict) or spec.get("kind") not in KINDS:
        got = spec.get("kind") if isinstance(spec, dict) else spec
        return [f"kind must be one of {', '.join(KINDS)} (got {got!r})"]
    kind = spec["kind"]
    if kind == "label":
        return _labels_problems(spec)
    if kind == "labels":
        problems = _labels_problems(spec)
        low, high = spec.get("min", 1), spec.get("max", len(spec.get("labels") or []))
        if not (isinstance(low, int) and isinstance(high, int) and 0 <= low <= high):
            problems.append(
                f"min and max must be whole numbers with 0 <= min <= max (got {low!r}, {high!r})"
            )
        return problems
    if kind == "number":
        low, high = spec.get("min"), spec.get("max")
        if not (_is_number(low) and _is_number(high) and float(low) < float(high)):  # type: ignore[arg-type]
            return [f"min and max must be numbers with min < max (got {low!r}, {high!r})"]
        return []
    if kind == "text":
        low, high = spec.get("min_length", 1), spec.get("max_length", 1000)
        if not (isinstance(low, int) and isinstance(high, int) and 0 <= low <= high <= MAX_TEXT):
            return [
                f"min_length and max_length must satisfy 0 <= min_length <= max_length <= {MAX_TEXT}"
            ]
        return []
    schema = spec.get("schema")
    if not isinstance(schema, dict):
        return ["schema must be a JSON schema object"]
    return _schema_problems(schema, "schema")


def _schema_problems(schema: dict[str, Any], where: str) -> list[str]:
    problems = []
    kind = schema.get("type")
    if kind is not None and kind not in JSON_TYPES:
        problems.append(f"{where}.type must be one of {', '.join(JSON_TYPES)} (got {kind!r})")
    for name, sub in (schema.get("properties") or {}).items():
        if not isinstance(sub, dict):
            problems.append(f"{where}.properties.{name} must be a schema object")
        else:
            problems += _schema_problems(sub, f"{where}.properties.{name}")
    if isinstance(schema.get("items"), dict):
        problems += _schema_problems(schema["items"], f"{where}.items")
    if "enum" in schema and not isinstance(schema["enum"], list):
        problems.append(f"{where}.enum must be a list")
    return problems


def answer_problems(spec: Spec, answer: Any) -> list[str]:
    """What is wrong with an answer under a (valid) spec, as sentences (empty when it fits)."""
    kind = spec["kind"]
    if kind == "label":
        if answer not in spec["labels"]:
            return [f"answer must be one of {', '.join(spec['labels'])} (got {answer!r})"]
        return []
    if kind == "labels":
        if not isinstance(answer, list) or not all(a in spec["labels"] for a in answer):
            return [
                f"answer must be a list of labels from {', '.join(spec['labels'])} (got {answer!r})"
            ]
        if len(set(answer)) != len(answer):
            return ["answer must not repeat a label"]
        low, high = spec.get("min", 1), spec.get("max", len(spec["labels"]))
        if not low <= len(answer) <= high:
            return [f"answer must have between {low} and {high} labels (got {len(answer)})"]
        return []
    if kind == "number":
        if not _is_number(answer):
            return [f"answer must be a number (got {answer!r})"]
        if spec.get("integer") and not isinstance(answer, int):
            return [f"answer must be a whole number (got {answer!r})"]
        if not spec["min"] <= answer <= spec["max"]:
            return [f"answer must be between {spec['min']} and {spec['max']} (got {answer!r})"]
        return []
    if kind == "text":
        if not isinstance(answer, str):
            return [f"answer must be text (got {type(answer).__name__})"]
        low, high = spec.get("min_length", 1), spec.get("max_length", 1000)
        if not low <= len(answer.strip()) <= high:
            return [
                f"answer must have between {low} and {high} characters (got {len(answer.strip())})"
            ]
        return []
    return _json_problems(spec["schema"], answer, "answer")


def _json_problems(schema: dict[str, Any], value: Any, where: str) -> list[str]:
    kind = schema.get("type")
    if kind is not None:
        allowed = JSON_TYPES[kind]
        if (isinstance(value, bool) and bool not in allowed) or not isinstance(value, allowed):
            return [f"{where} must be of type {kind} (got {type(value).__name__})"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{where} must be one of {schema['enum']!r} (got {value!r})"]
    problems: list[str] = []
    if _is_number(value):
        if "minimum" in schema and value < schema["minimum"]:
            problems.append(f"{where} must be >= {schema['minimum']} (got {value})")
        if "maximum" in schema and value > schema["maximum"]:
            problems.append(f"{where} must be <= {schema['maximum']} (got {value})")
    if isinstance(value, str | list):
        noun = "characters" if isinstance(value, str) else "items"
        low = schema.get("minLength" if isinstance(value, str) else "minItems")
        high = schema.get("maxLength" if isinstance(value, str) else "maxItems")
        if low is not None and len(value) < low:
            problems.append(f"{where} must have at least {low} {noun} (got {len(value)})")
        if high is not None and len(value) > high:
            problems.append(f"{where} must have at most {high} {noun} (got {len(value)})")
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            problems += _json_problems(schema["items"], item, f"{where}[{index}]")
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                problems.append(f"{where}.{name} is required")
        for name, sub in (schema.get("properties") or {}).items():
            if name in value:
                problems += _json_problems(sub, value[name], f"{where}.{name}")
    return problems


def same_answer(spec: Spec, a: Any, b: Any) -> bool:
    """Whether two answers agree (gold checks): labels as sets, text ignoring case and spaces."""
    if spec["kind"] == "labels":
        return isinstance(a, list) and isinstance(b, list) and set(a) == set(b)
    if spec["kind"] == "text":
        return (
            isinstance(a, str)
            and isinstance(b, str)
            and a.strip().casefold() == b.strip().casefold()
        )
    return bool(a == b)


def vote_key(spec: Spec, answer: Any) -> Any:
    """A hashable form of an answer, so that equal answers count as one vote."""
    if spec["kind"] == "labels":
        return tuple(sorted(answer))
    if spec["kind"] == "text":
        return answer.strip().casefold()
    if spec["kind"] == "json":
        return json.dumps(answer, sort_keys=True)
    return answer
