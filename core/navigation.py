"""The main menu, the indicators beside it (the notification bell) and the home page's panels:
each domain adds its own, shown only to users who may open them."""

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
class IndicatorEntry:
    endpoint: str
    label: Any  # a lazy translated string, with %(count)d
    #: How many things wait for the signed-in user (one cheap query: it runs on every page).
    count: Callable[[Any], int]


@dataclass(frozen=True)
class Indicator:
    url: str
    label: str
    count: int
    active: bool


@dataclass(frozen=True)
class HomePanel:
    """A section of the signed-in home page: a template and what it shows to one user."""

    template: str
    context: Callable[[Any], dict[str, Any]]


def init_app(app: Flask) -> None:
    app.extensions["vanthu.nav"] = []
    app.extensions["vanthu.nav_indicators"] = []
    app.extensions["vanthu.home_panels"] = []
    app.context_processor(
        lambda: {"nav_items": _items, "nav_indicators": _indicators, "home_panels": _panels}
    )


def add_entry(app: Flask, endpoint: str, label: Any, visible: Callable[[Any], bool]) -> None:
    app.extensions["vanthu.nav"].append(NavEntry(endpoint, label, visible))


def add_indicator(app: Flask, endpoint: str, label: Any, count: Callable[[Any], int]) -> None:
    """A link with a count beside the user's name, e.g. the bell and its unread notifications."""
    app.extensions["vanthu.nav_indicators"].append(IndicatorEntry(endpoint, label, count))


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


def _indicators() -> list[Indicator]:
    from flask import current_app

    if not current_user.is_authenticated:
        return []
    user = current_user._get_current_object()
    shown = []
    for entry in current_app.extensions["vanthu.nav_indicators"]:
        count = entry.count(user)
        label = str(entry.label) % {"count": count}
        shown.append(
            Indicator(url_for(entry.endpoint), label, count, request.endpoint == entry.endpoint)
        )
    return shown


def add_home_panel(app: Flask, template: str, context: Callable[[Any], dict[str, Any]]) -> None:
    """Show ``template`` on the home page, rendered with ``context(user)``."""
    app.extensions["vanthu.home_panels"].append(HomePanel(template, context))


def _panels() -> list[tuple[str, dict[str, Any]]]:
    from flask import current_app

    if not current_user.is_authenticated:
        return []
    user = current_user._get_current_object()
    return [(p.template, p.context(user)) for p in current_app.extensions["vanthu.home_panels"]]
