from werkzeug.datastructures import FileStorage
from wtforms import FileField as _FileField

class FileField(_FileField):
    data: FileStorage | None  # the uploaded file, if one came
