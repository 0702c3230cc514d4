"""The base of every HTML form in the kit (Flask-WTF, CSRF-protected).

A form reads only what a browser sends it: the form-encoded or multipart fields, and uploaded
files only for its file fields. Flask-WTF would also take a JSON body as the form's data (no
page of the kit posts JSON; ``"x"`` or ``12`` breaks it) and would hand a file uploaded under
a text field's name to that field (whose view expects a string): here a JSON post is an empty
submission and a stray file is ignored, so either gets the page's own error messages.
"""

from __future__ import annotations

import inspect
from typing import Any

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import CombinedMultiDict, MultiDict

#: What a form reads when it is given no data: the request's (Flask-WTF's default argument).
_FROM_REQUEST = inspect.signature(FlaskForm.__init__).parameters["formdata"].default


class Form(FlaskForm):
    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            if formdata is not _FROM_REQUEST or not form.is_submitted():
                return super().wrap_formdata(form, formdata)
            if request.is_json:
                return None
            files = {field.name for field in form if isinstance(field, FileField)}
            uploads = MultiDict(
                (name, upload) for name, upload in request.files.items(multi=True) if name in files
            )
            if uploads:
                return CombinedMultiDict((uploads, request.form))
            return request.form or None
