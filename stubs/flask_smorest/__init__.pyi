# flask-smorest 0.46 ships no type information: the names this project uses, typed.
from collections.abc import Callable
from typing import Any, TypeVar

import flask
from apispec import APISpec

F = TypeVar("F", bound=Callable[..., Any])

class Blueprint(flask.Blueprint):
    def __init__(self, name: str, import_name: str, *args: Any, **kwargs: Any) -> None: ...
    def arguments(self, schema: Any, *, location: str = ..., **kwargs: Any) -> Callable[[F], F]: ...
    def response(
        self, status_code: int, schema: Any = ..., *, description: str | None = ..., **kwargs: Any
    ) -> Callable[[F], F]: ...
    def doc(self, **kwargs: Any) -> Callable[[F], F]: ...

class Api:
    spec: APISpec
    ERROR_SCHEMA: Any
    def __init__(
        self, app: flask.Flask | None = ..., *, spec_kwargs: dict[str, Any] | None = ...
    ) -> None: ...
    def register_blueprint(
        self, blp: Blueprint, *, parameters: Any = ..., **options: Any
    ) -> None: ...
    def _register_error_handlers(self) -> None: ...
