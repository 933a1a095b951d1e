# Typed stand-in for mammoth (it ships no type information); only what we call.
from collections.abc import Callable
from typing import Any, BinaryIO

class Message:
    type: str
    message: str

class Result:
    value: str
    messages: list[Message]

def convert_to_html(
    fileobj: BinaryIO,
    *,
    convert_image: Callable[[Any], list[Any]] | None = ...,
    style_map: str = ...,
    include_default_style_map: bool = ...,
    include_embedded_style_map: bool = ...,
    **kwargs: Any,
) -> Result: ...
