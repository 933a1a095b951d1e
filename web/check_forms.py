"""Forms of the content checks' pages: a decision on a finding, a word-list entry, a
list file to import, a new list."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from web import labels
from web.form_checks import SafeForm
from workflow.checks import LIST_CATEGORIES, SEVERITIES


class FindingForm(SafeForm):
    reason = TextAreaField(
        _l("理由"),
        validators=[
            DataRequired(_l("请填写理由")),
            Length(max=500, message=_l("理由不能超过500字")),
        ],
    )


def _categories() -> list[tuple[str, str]]:
    return [(c, str(labels.CHECK_CATEGORIES[c])) for c in LIST_CATEGORIES]


def _severities() -> list[tuple[str, str]]:
    return [(s, str(labels.CHECK_SEVERITIES[s])) for s in SEVERITIES]


class EntryForm(SafeForm):
    term = StringField(
        _l("词语"),
        validators=[
            DataRequired(_l("请填写词语")),
            Length(max=100, message=_l("词语不能超过100字")),
        ],
    )
    category = SelectField(_l("类别"))
    severity = SelectField(_l("严重程度"))
    suggestion = StringField(
        _l("建议改为"), validators=[Length(max=200, message=_l("“建议改为”不能超过200字"))]
    )
    note = StringField(_l("说明"), validators=[Length(max=300, message=_l("说明不能超过300字"))])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.category.choices = _categories()
        self.severity.choices = _severities()


class ListImportForm(SafeForm):
    file = FileField(_l("词库文件（.xlsx）"), validators=[DataRequired(_l("请选择文件"))])
    replace = BooleanField(_l("以文件为准：删除文件中没有的词条"))


class NewListForm(SafeForm):
    name = StringField(
        _l("词库名称"),
        validators=[
            DataRequired(_l("请填写名称")),
            Length(max=100, message=_l("名称不能超过100字")),
        ],
    )
