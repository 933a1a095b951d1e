from wtforms import FileField as _FileField

class FileField(_FileField):
    def has_file(self) -> bool: ...
