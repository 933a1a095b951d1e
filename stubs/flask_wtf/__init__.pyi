# Flask-WTF 1.3 ships no type information: the names this project uses, typed.
from flask_wtf.csrf import CSRFProtect as CSRFProtect
from flask_wtf.form import FlaskForm as FlaskForm
