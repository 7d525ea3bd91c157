"""Progress reporting that the library accepts and interfaces provide (a rich bar on the CLI)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol, TypeVar

T = TypeVar("T")


class Progress(Protocol):
    def track(self, items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]: ...

    def note(self, message: str) -> None: ...


class SilentProgress:
    """Reports nothing: the default for library calls and tests."""

    def track(self, items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
        yield from items

    def note(self, message: str) -> None:
        pass
