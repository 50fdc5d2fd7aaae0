"""The words the console shows: operation descriptions as Markdown for a person, and argument errors
in plain words next to the field they are about.

The same descriptions and validation feed MCP clients, whose readers are programs; here the reader is
an operator, so a regular expression becomes a sentence and advice only an agent can follow is left out.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from pydantic import ValidationError

# CommonMark without raw HTML: a description is text, it can't add markup (or scripts) to the page.
# Emphasis is off: descriptions name fields such as `shipping_*` and `*_local` outside backticks, and
# their asterisks and underscores would turn the text between them into italics.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).disable(
    "emphasis"
)

# Sentences that tell an agent which tool to call to set up its session: nothing an operator can act on
# in the console, where the store is picked from a list.
_AGENT_SENTENCES = re.compile(r"\bstores_use\b|\bCall it first\.")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`])")

_PREFIX = "Invalid arguments: "

# Patterns used by the operations' argument types, in words. An unknown pattern gets the generic text.
_PATTERN_WORDS = {
    r"^\d+(\s*,\s*\d+)*$": "Numbers separated by commas, like 1001,1002.",
    r"^\d{4}-\d{2}-\d{2}$": "A date written YYYY-MM-DD, like 2025-03-31.",
}
_CHARACTER_CLASSES = (
    ("A-Za-z", "letters"),
    ("a-zA-Z", "letters"),
    ("a-z", "lowercase letters"),
    ("A-Z", "capital letters"),
    ("0-9", "digits"),
    (r"\d", "digits"),
)
_SIMPLE_PATTERN = re.compile(r"^\^\[(?P<chars>[^\]]+)\](?:\{(?P<low>\d+),(?P<high>\d+)\}|\+)\$$")


def markdown(text: str) -> SafeString:
    """A description rendered as Markdown (with any HTML in it escaped)."""
    # Safe to mark: with raw HTML disabled markdown-it escapes every character of the text it emits.
    return mark_safe(_MARKDOWN.render(text or ""))  # noqa: S308


def for_operator(text: str) -> str:
    """A description without the sentences written for agents (which tool to call first)."""
    paragraphs = []
    for paragraph in re.split(r"\n\s*\n", text or ""):
        sentences = _SENTENCE_END.split(paragraph.strip())
        kept = [s for s in sentences if not _AGENT_SENTENCES.search(" ".join(s.split()))]
        if kept:
            paragraphs.append(" ".join(kept))
    return "\n\n".join(paragraphs)


def describe_pattern(pattern: str, min_length: int | None = None, max_length: int | None = None) -> str:
    """A regular expression from a schema, said in words (as far as a simple one can be)."""
    if pattern in _PATTERN_WORDS:
        return _PATTERN_WORDS[pattern]
    match = _SIMPLE_PATTERN.match(pattern)
    if not match:
        return "This value is not in the expected format."
    chars, kinds = match["chars"], []
    for source, words in _CHARACTER_CLASSES:
        if source in chars:
            kinds.append(words)
            chars = chars.replace(source, "")
    kinds += [" ".join(chars)] if chars else []
    low = int(match["low"]) if match["low"] else min_length
    high = int(match["high"]) if match["high"] else max_length
    what = ", ".join(kinds[:-1]) + " and " + kinds[-1] if len(kinds) > 1 else kinds[0]
    return f"{_count(low, high)} of {what}."


def _count(low: int | None, high: int | None) -> str:
    if low and high:
        return f"{low} to {high} characters"
    if high:
        return f"At most {high} characters"
    return f"At least {low or 1} character{'s' if (low or 1) > 1 else ''}"


def _error_words(error: Any, schema: dict[str, Any]) -> str:
    """One pydantic error in plain words; `schema` is the field's own schema (for lengths)."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return "This field is required."
    if kind == "extra_forbidden":
        return "Not a field this operation knows."
    if kind == "string_pattern_mismatch":
        return describe_pattern(str(ctx.get("pattern", "")), schema.get("minLength"), schema.get("maxLength"))
    if kind == "string_too_short":
        return f"At least {ctx['min_length']} characters."
    if kind == "string_too_long":
        return f"At most {ctx['max_length']} characters."
    if kind == "too_short":
        return f"Give at least {ctx.get('min_length', 1)}."
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"{'At least' if kind == 'greater_than_equal' else 'At most'} {ctx.get('ge', ctx.get('le'))}."
    return str(error["msg"]).rstrip(".") + "."


def field_errors(exc: ValidationError, schemas: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """The errors of an argument model by top-level field, each in plain words; a nested error keeps
    the path inside its field (`shipping.city: …`)."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]] or ["__all__"]
        words = _error_words(error, schemas.get(loc[0], {}))
        inner = ".".join(loc[1:])
        errors.setdefault(loc[0], []).append(f"{inner}: {words}" if inner else words)
    return errors


def plain_error(message: str, field: str = "") -> str:
    """An operation's message shown next to `field`: without the "Invalid arguments:" prefix and
    without the field's own name in front (the field is right there)."""
    text = str(message)
    text = text.removeprefix(_PREFIX)
    if field and text.startswith(f"{field}: "):
        text = text[len(field) + 2 :]
    elif field and text.startswith(f"{field}."):
        text = text[len(field) + 1 :]
    return text[:1].upper() + text[1:] if text[:1].islower() and text.split(" ")[0].isalpha() else text
