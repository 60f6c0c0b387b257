"""trigrt status codes (include/trigrt.h) and the exceptions raised for them."""

from __future__ import annotations

import enum

from . import _lib


class Status(enum.IntEnum):
    """trigrt_status values. Append-only in the C header: values never change meaning."""

    OK = 0
    INVALID_ARGUMENT = 1
    IO = 2
    MALFORMED = 3
    UNSUPPORTED = 4
    SHAPE = 5
    BATCH = 6
    UNSUPPORTED_CPU = 7
    OUT_OF_MEMORY = 8
    PRECISION_CONFIG = 9
    INTERNAL = 10
    LIMIT = 11
    MISUSE = 12


def status_name(status: int) -> str:
    """The library's text for a status (trigrt_status_string), e.g. "i/o error"."""
    raw = _lib.lib().trigrt_status_string(int(status))
    return raw.decode("utf-8", "replace") if raw else f"status {int(status)}"


class Error(Exception):
    """A failing trigrt call. `status` is the trigrt_status (a Status when known), `status_name`
    the library's text for it, `message` the library's message (names file, node and reason)."""

    #: The status a subclass stands for (None on the base class).
    STATUS: Status | None = None

    def __init__(self, status: int, message: str = ""):
        try:
            status = Status(status)
        except ValueError:
            status = int(status)
        self.status = status
        self.message = message
        super().__init__(status, message)

    @property
    def status_name(self) -> str:
        return status_name(self.status)

    def __str__(self) -> str:
        return self.message or f"trigrt: {self.status_name}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={int(self.status)} ({self.status_name}), message={self.message!r})"


class InvalidArgumentError(Error):
    STATUS = Status.INVALID_ARGUMENT


class IOError(Error):  # noqa: A001  (trigrt.IOError: TRIGRT_E_IO; deliberately not the builtin)
    STATUS = Status.IO


class MalformedModelError(Error):
    STATUS = Status.MALFORMED


class UnsupportedError(Error):
    STATUS = Status.UNSUPPORTED


class ShapeError(Error):
    STATUS = Status.SHAPE


class BatchError(Error):
    STATUS = Status.BATCH


class UnsupportedCPUError(Error):
    STATUS = Status.UNSUPPORTED_CPU


class OutOfMemoryError(Error):
    STATUS = Status.OUT_OF_MEMORY


class PrecisionConfigError(Error):
    STATUS = Status.PRECISION_CONFIG


class InternalError(Error):
    STATUS = Status.INTERNAL


class LimitError(Error):
    """A documented limit (trigrt_options caps, tensor/attribute/nesting caps) was exceeded."""
    STATUS = Status.LIMIT


class MisuseError(Error):
    """A dead or wrong handle, or (debug builds) one session run from two threads at once."""
    STATUS = Status.MISUSE


_BY_STATUS = {cls.STATUS: cls for cls in Error.__subclasses__()}


def from_status(status: int, err: _lib.TrigrtError | None = None) -> Error:
    """The exception for a failed call: the subclass for `status` (the base class for a status
    this binding does not know yet), with the message the library wrote into `err`."""
    message = err.message.decode("utf-8", "replace") if err is not None else ""
    return _BY_STATUS.get(status, Error)(status, message)
