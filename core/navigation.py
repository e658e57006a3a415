"""The main menu, the indicators beside it (the notification bell), what waits for each person
and the home page's panels: each domain adds its own, shown only to users who may open them.

The menu is grouped by what people do (documents, signing, meetings, administration), so that it
fits one line on a tablet and folds behind one button on a phone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Flask, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: Any  # a lazy translated string
    visible: Callable[[Any], bool]
    #: The menu it is under (a key of `GROUPS`); "" for a link of its own.
    group: str = ""


@dataclass(frozen=True)
class NavItem:
    url: str
    label: str
    active: bool
    #: How many things wait behind it for the signed-in user (0: nothing shown).
    count: int = 0


@dataclass(frozen=True)
class NavGroup:
    """A menu of the top bar: one link when it holds one item, a drop-down otherwise."""

    key: str
    label: str
    items: list[NavItem]

    @property
    def active(self) -> bool:
        return any(item.active for item in self.items)

    @property
    def count(self) -> int:
        return sum(item.count for item in self.items)


@dataclass(frozen=True)
class WaitingItem:
    """One thing waiting for someone: what it is, where to act, and by when."""

    title: str
    url: str
    due: date | None = None
    #: A short second line (the number/symbol, the unit that sent it).
    note: str = ""


@dataclass(frozen=True)
class WaitingEntry:
    """A kind of work that waits for some users (to sign, to seal, to acknowledge...)."""

    key: str
    label: Any  # a lazy translated string
    #: Where the whole list is; the menu item with this endpoint shows the count.
    endpoint: str
    visible: Callable[[Any], bool]
    #: The waiting things, most urgent first.
    items: Callable[[Any], Sequence[WaitingItem]]
    #: One cheap COUNT for the menu on every page.
    count: Callable[[Any], int]


@dataclass(frozen=True)
class Waiting:
    key: str
    label: str
    url: str
    count: int
    items: Sequence[WaitingItem]


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


#: The menus of the top bar, in order, with their labels.
GROUPS: dict[str, Any] = {
    "documents": _l("Documents"),
    "signing": _l("Digital signatures"),
    "meetings": _l("Meetings"),
    "admin": _l("Administration"),
}
#: How many waiting things a home-page card lists before "see all".
SHOWN_ON_HOME = 5


def init_app(app: Flask) -> None:
    app.extensions["vanthu.nav"] = []
    app.extensions["vanthu.nav_indicators"] = []
    app.extensions["vanthu.home_panels"] = []
    app.extensions["vanthu.waiting"] = []
    app.context_processor(
        lambda: {
            "nav_items": _items,
            "nav_groups": _groups,
            "nav_indicators": _indicators,
            "home_panels": _panels,
            "waiting_lists": _waiting_lists,
        }
    )


def add_entry(
    app: Flask, endpoint: str, label: Any, visible: Callable[[Any], bool], group: str = ""
) -> None:
    if group and group not in GROUPS:
        raise ValueError(f"unknown menu group {group!r}")
    app.extensions["vanthu.nav"].append(NavEntry(endpoint, label, visible, group))


def add_waiting(app: Flask, entry: WaitingEntry) -> None:
    """Show ``entry`` on the home page of the users it is visible to, with its count in the menu."""
    app.extensions["vanthu.waiting"].append(entry)


def add_indicator(app: Flask, endpoint: str, label: Any, count: Callable[[Any], int]) -> None:
    """A link with a count beside the user's name, e.g. the bell and its unread notifications."""
    app.extensions["vanthu.nav_indicators"].append(IndicatorEntry(endpoint, label, count))


def _items() -> list[NavItem]:
    return [item for _entry, item in _visible_items()]


def _visible_items() -> list[tuple[NavEntry, NavItem]]:
    from flask import current_app

    if not current_user.is_authenticated:
        return []
    user = current_user._get_current_object()
    counts = _waiting_counts(user)
    return [
        (
            e,
            NavItem(
                url_for(e.endpoint),
                str(e.label),
                request.endpoint == e.endpoint,
                counts.get(e.endpoint, 0),
            ),
        )
        for e in current_app.extensions["vanthu.nav"]
        if e.visible(user)
    ]


def _groups() -> list[NavGroup]:
    """The signed-in user's menu: the groups in `GROUPS` order after the links of their own."""
    groups: dict[str, NavGroup] = {}
    for entry, item in _visible_items():
        key = entry.group or entry.endpoint
        if key not in groups:
            label = str(GROUPS[entry.group]) if entry.group else item.label
            groups[key] = NavGroup(key, label, [])
        groups[key].items.append(item)
    order = list(GROUPS)
    return sorted(groups.values(), key=lambda g: order.index(g.key) if g.key in order else -1)


def _waiting_counts(user: Any) -> dict[str, int]:
    from flask import current_app

    counts: dict[str, int] = {}
    for entry in current_app.extensions["vanthu.waiting"]:
        if entry.visible(user):
            counts[entry.endpoint] = counts.get(entry.endpoint, 0) + entry.count(user)
    return counts


def _waiting_lists() -> list[Waiting]:
    """What waits for the signed-in user, for the home page (every kind they may have)."""
    from flask import current_app

    if not current_user.is_authenticated:
        return []
    user = current_user._get_current_object()
    shown = []
    for entry in current_app.extensions["vanthu.waiting"]:
        if not entry.visible(user):
            continue
        items = list(entry.items(user))
        shown.append(
            Waiting(
                entry.key,
                str(entry.label),
                url_for(entry.endpoint),
                len(items),
                items[:SHOWN_ON_HOME],
            )
        )
    return shown


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
