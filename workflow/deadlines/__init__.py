"""Deadline rules: parse 时限要求 text (`parse`), compare, validate and describe rules."""

from workflow.deadlines.describe import describe
from workflow.deadlines.parser import parse
from workflow.deadlines.rules import dedupe, key, validate

__all__ = ["dedupe", "describe", "key", "parse", "validate"]
