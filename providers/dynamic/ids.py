"""Composite ids: everything `read` needs, in the id, so a resource can be read by its id alone.

A format is a template such as ``{serviceId}:{environmentId}`` or ``{project_ref}/auth``: each
``{part}`` is a property the id carries (no part may contain ':' or '/'). A kind has one canonical
format (what create returns and state keeps; unchanged from earlier releases, so existing state
stays valid) and may accept richer lookup formats for `Resource.get` and adoption, for kinds whose
canonical id is a bare vendor id that other resources use as a value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_PART = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class IdFormat:
    template: str
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pattern, last = "", 0
        for match in _PART.finditer(self.template):
            pattern += re.escape(self.template[last:match.start()]) + f"(?P<{match.group(1)}>[^:/]+)"
            last = match.end()
        object.__setattr__(self, "_pattern", re.compile(f"^{pattern}{re.escape(self.template[last:])}$"))

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(_PART.findall(self.template))

    def encode(self, values: Mapping[str, Any]) -> str:
        missing = [p for p in self.parts if not values.get(p)]
        if missing:
            raise ValueError(f"an id of the form {self.template} needs {', '.join(missing)}")
        return _PART.sub(lambda m: str(values[m.group(1)]), self.template)

    def decode(self, id_: str) -> dict[str, str] | None:
        match = self._pattern.match(id_ or "")
        return dict(match.groupdict()) if match else None


def decode_any(id_: str, formats: tuple[IdFormat, ...]) -> dict[str, str] | None:
    """The parts of ``id_`` under the first format it matches, or None."""
    for format_ in formats:
        parts = format_.decode(id_)
        if parts is not None:
            return parts
    return None
