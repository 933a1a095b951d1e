# Flask-Babel 4.0 is annotated but ships no py.typed marker: the names this project uses.
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from babel import Locale
from flask import Flask

class Babel:
    def __init__(
        self,
        app: Flask | None = None,
        date_formats: dict[str, str] | None = None,
        configure_jinja: bool = True,
        *,
        locale_selector: Callable[[], str | None] | None = None,
        timezone_selector: Callable[[], str | None] | None = None,
        default_locale: str = "en",
        default_domain: str = "messages",
        default_translation_directories: str = "translations",
        default_timezone: str = "UTC",
    ) -> None: ...

def get_locale() -> Locale | None: ...
def refresh() -> None: ...
def format_datetime(
    datetime: datetime | None = None, format: str | None = None, rebase: bool = True
) -> str: ...
def format_date(
    date: date | datetime | None = None, format: str | None = None, rebase: bool = True
) -> str: ...
def gettext(string: str, **variables: Any) -> str: ...
def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str: ...

# Returns a LazyString, which stands in for the text wherever it goes (labels, messages,
# templates); typed as str so that typed callees such as WTForms accept it.
def lazy_gettext(string: str, **variables: Any) -> str: ...
