"""Terminal helpers for management commands: a small progress bar that stays silent off a TTY.

Commands pass their `self.stdout` (or any stream). When output goes to a file, a pipe or a test's
StringIO, nothing is drawn, so logs and test output stay clean.
"""

from __future__ import annotations

import time
from typing import TextIO, cast

from django.core.management.base import OutputWrapper

# Redraw at most this often: drawing on every item would cost more than importing a small file.
REDRAW_SECONDS = 0.1


def _is_tty(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (ValueError, OSError):  # a closed or detached stream
        return False


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds + 0.5))
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"


class ProgressBar:
    """`label [#####.....] 120/1000 12%  340/s  ETA 00:03`, redrawn in place on a TTY.

    Use as a context manager, call `advance()` per item; `close()` (or leaving the block) ends the
    line. On anything that is not a TTY every method is a no-op.
    """

    def __init__(
        self,
        total: int,
        *,
        stream: TextIO | OutputWrapper,
        label: str = "",
        unit: str = "",
        width: int = 30,
    ):
        self.total = max(0, total)
        # A command's OutputWrapper appends a newline to every write; the bar needs raw writes.
        # (`_out` is the wrapped stream; django-stubs does not declare it.)
        self.stream = cast(TextIO, stream._out) if isinstance(stream, OutputWrapper) else stream
        self.label = label
        self.unit = unit
        self.width = width
        self.done = 0
        self.enabled = _is_tty(self.stream) and self.total > 0
        self._started = time.monotonic()
        self._last_draw = 0.0
        self._closed = False
        self._drawn = -1  # `done` at the last draw, so close() does not repeat the final line

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def advance(self, n: int = 1) -> None:
        """Count `n` more items done and redraw if enough time has passed."""
        self.done = min(self.total, self.done + n) if self.total else self.done + n
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last_draw >= REDRAW_SECONDS or self.done >= self.total:
            self._last_draw = now
            self._draw(now)

    def render(self, now: float | None = None) -> str:
        """The bar as text (without the carriage return), for drawing and for tests."""
        now = time.monotonic() if now is None else now
        elapsed = max(now - self._started, 1e-9)
        fraction = self.done / self.total if self.total else 1.0
        filled = int(self.width * fraction)
        rate = self.done / elapsed
        unit = f" {self.unit}" if self.unit else ""
        if self.done >= self.total:
            tail = f"in {_duration(elapsed)}"
        elif rate > 0:
            tail = f"ETA {_duration((self.total - self.done) / rate)}"
        else:
            tail = "ETA --:--"
        label = f"{self.label} " if self.label else ""
        return (
            f"{label}[{'#' * filled}{'.' * (self.width - filled)}] "
            f"{self.done}/{self.total}{unit} {fraction:4.0%}  {rate:,.0f}/s  {tail}"
        )

    def _draw(self, now: float) -> None:
        # \r returns to the line start; \x1b[K clears what a longer previous line left behind.
        self._drawn = self.done
        self.stream.write(f"\r{self.render(now)}\x1b[K")
        self.stream.flush()

    def close(self) -> None:
        """Draw the final state and end the line (once)."""
        if self._closed:
            return
        self._closed = True
        if self.enabled:
            if self._drawn != self.done:
                self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()
