"""Reading the recipient picker back from a posted form, for every page that shows it.

A wrong id becomes an error on the picker itself, so the page is shown again (400) with the
person's choices kept, and nothing is stored.
"""

from __future__ import annotations

from flask_babel import gettext
from wtforms import Field

from accounts.errors import BadPick
from accounts.picker import Picked, Tree


def read(tree: Tree, units: Field | None = None, users: Field | None = None) -> Picked | None:
    """What was chosen, or None after putting the reason on the field at fault."""
    try:
        return tree.parse(_values(units), _values(users))
    except BadPick as error:
        field = units if error.data.get("kind") == "unit" and units is not None else users
        field = field or units
        assert field is not None  # parse only fails on a field it was given values for
        field.errors = [*field.errors, gettext(error.template)]
        return None


def _values(field: Field | None) -> list[str]:
    if field is None or not field.data:
        return []
    data = field.data if isinstance(field.data, list | tuple) else [field.data]
    return [str(value) for value in data]
