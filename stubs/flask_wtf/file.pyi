from werkzeug.datastructures import FileStorage
from wtforms import FileField as _FileField
from wtforms import MultipleFileField as _MultipleFileField

class FileField(_FileField):
    data: FileStorage | None  # the uploaded file, if one came

class MultipleFileField(_MultipleFileField):
    data: list[FileStorage]  # the uploaded files (none: an empty list)
