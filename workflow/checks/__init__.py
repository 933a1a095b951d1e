"""Content checks (issue 17): word lists matched with Aho–Corasick, common typos,
official names and titles, links and attachments — on every revision when it is saved
and submitted, and on published items when a list changes and on a schedule.

The package is a plain library like the rest of `workflow/`: `matcher` (the automaton,
cached per list version), `htmltext` (the body's text with offsets, its links),
`files` (what an attached file opens to), `names` (units and leaders), `findings` (what
one revision's check finds) and `store` (writing findings so a decision carries over).
The writes are the services of `workflow.services.checks`.
"""

from __future__ import annotations

from typing import Final

# Categories of a finding (labels in web/labels.py).
SERIOUS_ERROR: Final = "serious_error"  # 严重错误
SENSITIVE: Final = "sensitive"  # 敏感词
BANNED: Final = "banned"  # 禁用词
NONSTANDARD: Final = "nonstandard"  # 不规范用语
TYPO: Final = "typo"  # 易错词
NAME: Final = "name"  # 名称职务
LINK: Final = "link"  # 链接
ATTACHMENT: Final = "attachment"  # 附件
LIST_CATEGORIES: Final = (SERIOUS_ERROR, SENSITIVE, BANNED, NONSTANDARD, TYPO, NAME)
CATEGORIES: Final = (*LIST_CATEGORIES, LINK, ATTACHMENT)

# Severities: a serious (严重) open finding blocks submit and approval.
SERIOUS: Final = "serious"
NORMAL: Final = "normal"
HINT: Final = "hint"
SEVERITIES: Final = (SERIOUS, NORMAL, HINT)

# Statuses of a finding.
OPEN: Final = "open"
FIXED: Final = "fixed"  # gone from a later check of the same item
VERIFIED: Final = "verified"  # 已核实 by the drafter, with a reason
OVERRIDDEN: Final = "overridden"  # a serious one let through by the office, with a reason
STATUSES: Final = (OPEN, FIXED, VERIFIED, OVERRIDDEN)
