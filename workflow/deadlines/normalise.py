"""Text normalisation for the 时限要求 parser: one spelling for everything that may be
written several ways, so the recognisers (parts.py) see a single form.

- NFKC: full-width digits, letters and punctuation (１５ → 15, ， → ,, （ → ().
- Traditional → simplified characters with OpenCC (個 → 个, 內 → 内, 週 → 周, 發佈 → 发布).
- The financial numerals (壹贰叁…) as plain ones; spaces and Word bookmarks dropped.
- Chinese numerals before a unit or count word as digits: 十五天 → 15天, 两周 → 2周,
  二〇二六年 → 2026年, 一到两次 → 1到2次, 每一季度 → 每1季度.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

MAX_CHARS = 20_000  # longer text is cut: real 时限要求 cells are a few hundred characters

_CN_DIGITS = {
    "零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_NUMBER = re.compile(
    # not the 一 of 统一, 唯一, 逐一, 之一…: those are words, not numbers (but 分办单二日内
    # is two days)
    r"[零〇○一二两三四五六七八九十百千](?<![统唯单同万逐之其专划如]一)"
    r"[零〇○一二两三四五六七八九十百千]{0,7}"
    r"(?=个|天|日|号|周|星期|礼拜|月|年|次|条|季|旬|工作日|项|件|篇|期|到|至|或|小时|-|~)"
)
_ONE_MONTH = re.compile(r"(?<![年\d一二两三四五六七八九十第每])一月(?=内|以内|之内)")
_SPACES = re.compile(r"[ \t\u3000\u00a0\u2002\u2003\u2009\u200b\ufeff]+")
_BOOKMARK = re.compile(r"\[bookmark:[^\]]{0,200}\]")
# ① would become a bare "1" under NFKC: keep it an item number.
_CIRCLED = str.maketrans({chr(0x2460 + i): f"({i + 1})" for i in range(20)})
_HAS_CIRCLED = re.compile("[\u2460-\u2473]")
_AFTER_NFKC = str.maketrans(
    {
        **{
            a: b
            for a, b in zip(
                "壹贰貳叁參肆伍陆陸柒捌玖拾佰仟", "一二二三三四五六六七八九十百千", strict=True
            )
        },
        **{"—": "-", "–": "-", "―": "-", "－": "-", "～": "~", "〜": "~"},
    }
)


_HAS_AFTER_NFKC = re.compile("[" + re.escape("".join(chr(c) for c in _AFTER_NFKC)) + "]")


@lru_cache(maxsize=1)
def _converter() -> Any:
    """OpenCC's traditional → simplified converter (built once, ~4 ms)."""
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _traditional() -> frozenset[str]:
    """The CJK characters OpenCC changes (個, 內, 週…), found once by converting each."""
    chars = [chr(c) for c in range(0x3400, 0xA000)]
    converted = str(_converter().convert("\n".join(chars))).split("\n")
    if len(converted) != len(chars):  # never seen: then convert every text
        return frozenset()
    return frozenset(a for a, b in zip(chars, converted, strict=True) if a != b)


@lru_cache(maxsize=1)
def _traditional_pattern() -> re.Pattern[str]:
    """Any of those characters (a character class scans faster than a set lookup per
    character); matches everything when the set could not be built."""
    chars = _traditional()
    return re.compile("[" + re.escape("".join(sorted(chars))) + "]") if chars else re.compile("")


def to_simplified(text: str) -> str:
    """Traditional → simplified; text without a traditional character is left as it is
    (the common case, and OpenCC's conversion is the costly step)."""
    if not _traditional_pattern().search(text):
        return text
    converted = _converter().convert(text)
    return converted if isinstance(converted, str) else text


def cn_to_int(text: str) -> int:
    """Chinese numerals as an int: 一…九十九, 两, 〇, 十/百/千 forms (十五 → 15, 二十 → 20,
    一百二十 → 120) and digit-by-digit years (二〇二六 → 2026). Digits pass through."""
    if text.isdigit():
        return int(text)
    if len(text) > 1 and not any(ch in _CN_UNITS for ch in text):
        value = 0
        for ch in text:  # 二〇二六: positional
            value = value * 10 + _CN_DIGITS.get(ch, 0)
        return value
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (current or 1) * _CN_UNITS[ch]
            current = 0
    return total + current


def normalise(text: str) -> str:
    """One spelling for the parser (see the module's docstring). Line breaks are kept:
    they separate sentences."""
    text = text[:MAX_CHARS]
    if _HAS_CIRCLED.search(text):  # translate() looks every character up: only when needed
        text = text.translate(_CIRCLED)
    text = to_simplified(unicodedata.normalize("NFKC", text))
    if _HAS_AFTER_NFKC.search(text):
        text = text.translate(_AFTER_NFKC)  # 大写 numerals, dashes
    if "覆" in text:  # OpenCC keeps 答覆/回覆 (Taiwan): one spelling for the verbs
        text = text.replace("答覆", "答复").replace("回覆", "回复")
    if "[bookmark" in text:
        text = _BOOKMARK.sub("", text)
    text = _SPACES.sub("", text)
    if "一月" in text:  # 应在一月内: within a month (一月 of a year is January: 2024年一月内)
        text = _ONE_MONTH.sub("1个月", text)
    return _CN_NUMBER.sub(lambda m: str(cn_to_int(m.group())), text)


def has_traditional(text: str) -> bool:
    return _traditional_pattern().search(text) is not None


def written_map(original: str) -> tuple[str, list[int]]:
    """`original` normalised character by character (so numerals are not converted),
    with the position in `original` each normalised character comes from."""
    flat: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(original[:MAX_CHARS]):
        piece = _flat_char(ch)
        if len(piece) == 1:
            flat.append(piece)
            where.append(i)
        else:  # "" (a space) or several characters (NFKC of ㈠)
            for c in piece:
                flat.append(c)
                where.append(i)
    return "".join(flat), where


@lru_cache(maxsize=8192)
def _flat_char(ch: str) -> str:
    """One character as `written_map` normalises it: NFKC, simplified, spaces dropped."""
    piece = ch if ch.isascii() else unicodedata.normalize("NFKC", ch)
    if piece in _traditional():
        piece = str(_converter().convert(piece))
    return _SPACES.sub("", piece)


def as_written(words: str, original: str, mapping: tuple[str, list[int]] | None = None) -> str:
    """The stretch of `original` that normalises to `words` (a scope found in normalised
    text, given back as the document wrote it: 財務收支情況, not 财务收支情况); `words`
    when there is none. `mapping`: `written_map(original)`, when already made."""
    flat, where = mapping or written_map(original)
    at = flat.find(words)
    if at < 0 or not words:
        return words
    return _SPACES.sub("", original[where[at] : where[at + len(words) - 1] + 1])
