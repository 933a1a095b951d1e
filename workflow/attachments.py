"""What an attachment may be: a file of an allowed type whose content is what its
extension says (an `MZ…` program named .pdf is refused), under a name of at most
MAX_NAME_CHARS characters.

`check_attachment` is pure; the drafting service calls it where it accepts a file, and
the upload form calls it first, to refuse before anything is written. Its refusals are
Chinese sentences naming the file, shown as they are (like the holiday file's).
"""

from __future__ import annotations

from workflow.errors import ValidationFailed

# Long enough for the names offices give files ("关于印发《…》的通知（附件1：…）.pdf"),
# short enough to show in a list, fit Windows paths when saved and stay readable in the
# audit trail. A longer name is refused, not cut: cutting may change what the name says
# or make two files' names the same; the drafter knows how to shorten it.
MAX_NAME_CHARS = 100

_PDF = (b"%PDF-",)
_ZIP = (b"PK\x03\x04",)  # a local file header: any non-empty zip container starts so
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # the compound file of Office 97–2003
_TEXT: tuple[bytes, ...] = ()  # checked by decoding, not by a signature

# Extension → (what to call it, the signatures its content may start with).
KINDS: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("PDF", _PDF),
    "doc": ("Word", _OLE),
    "docx": ("Word", _ZIP),
    "wps": ("WPS 文字", _OLE + _ZIP),
    "xls": ("Excel", _OLE),
    "xlsx": ("Excel", _ZIP),
    "et": ("WPS 表格", _OLE + _ZIP),
    "ppt": ("PowerPoint", _OLE),
    "pptx": ("PowerPoint", _ZIP),
    "ofd": ("OFD", _ZIP),
    "txt": ("文本", _TEXT),
    "csv": ("CSV", _TEXT),
    "jpg": ("JPEG 图片", (b"\xff\xd8\xff",)),
    "jpeg": ("JPEG 图片", (b"\xff\xd8\xff",)),
    "png": ("PNG 图片", (b"\x89PNG\r\n\x1a\n",)),
    "gif": ("GIF 图片", (b"GIF87a", b"GIF89a")),
    "zip": ("ZIP 压缩包", (*_ZIP, b"PK\x05\x06")),  # PK\x05\x06: an empty archive
    "rar": ("RAR 压缩包", (b"Rar!\x1a\x07",)),  # version 4 and 5
    "7z": ("7z 压缩包", (b"7z\xbc\xaf\x27\x1c",)),
}
ALLOWED_EXTENSIONS = frozenset(KINDS)


class AttachmentRefused(ValidationFailed):
    """The file's name, type or content is not acceptable; the message names the file."""

    code = "attachment_refused"

    def __init__(self, message: str, filename: str) -> None:
        super().__init__(message)
        self.filename = filename


def extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def _shown(filename: str) -> str:
    """The name as a message shows it: a very long one cut in the middle."""
    if len(filename) <= 40:
        return filename
    ext = extension(filename)
    return filename[:24] + "…" + (f".{ext}" if 0 < len(ext) <= 10 else filename[-8:])


def _is_text(data: bytes) -> bool:
    """Plain text as Chinese offices save it: UTF-8 (with or without BOM) or GB18030, no
    NUL (UTF-16 and binary files have them)."""
    if b"\x00" in data:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


def check_attachment(filename: str, data: bytes) -> None:
    """Refuse (AttachmentRefused) a name over MAX_NAME_CHARS characters, a type not
    allowed, an empty file, or content that is not what the extension says."""
    name = _shown(filename)
    if len(filename) > MAX_NAME_CHARS:
        raise AttachmentRefused(
            f"文件名过长：“{name}”共{len(filename)}个字符，最多{MAX_NAME_CHARS}个。"
            "请改短文件名（保留扩展名）后重新上传。",
            filename,
        )
    ext = extension(filename)
    if ext not in KINDS:
        raise AttachmentRefused(
            f"不允许上传此类文件：{name}。允许的类型：{'、'.join(sorted(ALLOWED_EXTENSIONS))}",
            filename,
        )
    if not data:
        raise AttachmentRefused(f"文件是空的：{name}", filename)
    kind, signatures = KINDS[ext]
    if not signatures:
        if not _is_text(data):
            raise AttachmentRefused(
                f"文件“{name}”不是 UTF-8 或 GB18030 编码的纯文本，与扩展名 .{ext} 不符，"
                "未上传。请另存为 UTF-8 编码的文本后重新上传。",
                filename,
            )
        return
    if not data.startswith(signatures):
        raise AttachmentRefused(
            f"文件“{name}”的内容不是{kind}文件，与扩展名 .{ext} 不符，未上传。"
            f"请确认文件完好、扩展名正确（可用原软件另存为{kind}格式）后重新上传。",
            filename,
        )
