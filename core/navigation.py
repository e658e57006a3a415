"""The main menu: each domain adds its entries, shown only to users who may open them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, request, url_for
from flask_login import current_user


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: Any  # a lazy translated string
    visible: Callable[[Any], bool]


@dataclass(frozen=True)
class NavItem:
    url: str
    label: str
    active: bool


def init_app(app: Flask) -> None:
    app.extensions["vanthu.nav"] = []
    app.context_processor(lambda: {"nav_items": _items})


def add_entry(app: Flask, endpoint: str, label: Any, visible: Callable[[Any], bool]) -> None:
    app.extensions["vanthu.nav"].append(NavEntry(endpoint, label, visible))


def _items() -> list[NavItem]:
    from flask import current_app

    if not current_user.is_authenticated:
        return []
    user = current_user._get_current_object()
    return [
        NavItem(url_for(e.endpoint), str(e.label), request.endpoint == e.endpoint)
        for e in current_app.extensions["vanthu.nav"]
        if e.visible(user)
    ]
