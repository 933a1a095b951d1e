"""Deadline rules: parse 时限要求 text (`parse`), compare and validate rules."""

from workflow.deadlines.parser import parse
from workflow.deadlines.rules import dedupe, key, validate

__all__ = ["dedupe", "key", "parse", "validate"]
