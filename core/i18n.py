"""Vietnamese first, English second: choosing the language of each request.

A signed-in user's choice is stored on their account; before sign-in it lives in the session.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from babel.support import NullTranslations, Translations
from flask import Flask, session
from flask_babel import Babel
from flask_login import current_user

from core.clock import local_time
from core.config import PROJECT_ROOT

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
DEFAULT_LANGUAGE = "vi"

babel = Babel()


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["current_language"] = select_locale
    app.jinja_env.filters["localtime"] = local_time
    app.jinja_env.filters["vndate"] = lambda d: d.strftime("%d/%m/%Y") if d else ""


def select_locale() -> str:
    user_choice = getattr(current_user, "locale", None) if current_user else None
    choice = user_choice or session.get("locale")
    return choice if choice in LANGUAGES else DEFAULT_LANGUAGE


@functools.cache
def _catalogue(locale: str) -> NullTranslations:
    return Translations.load(str(PROJECT_ROOT / "core" / "translations"), [locale])


def translate(message: str, locale: str, params: Mapping[str, Any] | None = None) -> str:
    """``message`` (an English message id marked with ``N_``) in ``locale``, outside any request:
    for what is written once for someone else, such as a letter sent by a background job."""
    text = message if locale == "en" else _catalogue(locale).gettext(message)
    return text % params if params else text
