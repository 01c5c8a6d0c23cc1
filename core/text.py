"""Words for numbers: "1 application", "3 applications", never "application(s)"."""

from __future__ import annotations


def plural(count: int, one: str, many: str | None = None) -> str:
    """The count with the noun that agrees with it: plural(1, "entry", "entries") -> "1 entry".

    Without `many` the plural adds an "s": plural(2, "application") -> "2 applications".
    """
    return f"{count} {one if count == 1 else (many or one + 's')}"
