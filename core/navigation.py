"""The main menu and the home page's panels: each domain adds its own, shown only to users who
may open them."""

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


@dataclass(frozen=True)
class HomePanel:
    """A section of the signed-in home page: a template and what it shows to one user."""

    template: str
    context: Callable[[Any], dict[str, Any]]


def init_app(app: Flask) -> None:
    app.extensions["vanthu.nav"] = []
    app.extensions["vanthu.home_panels"] = []
    app.context_processor(lambda: {"nav_items": _items, "home_panels": _panels})


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


def add_home_panel(app: Flask, template: str, context: Callable[[Any], dict[str, Any]]) -> None:
    """Show ``template`` on the home page, rendered with ``context(user)``."""
    app.extensions["vanthu.home_panels"].append(HomePanel(template, context))


def _panels() -> list[tuple[str, dict[str, Any]]]:
    from flask import current_app

    if not current_user.is_authenticated:
        return []
    user = current_user._get_current_object()
    return [(p.template, p.context(user)) for p in current_app.extensions["vanthu.home_panels"]]
