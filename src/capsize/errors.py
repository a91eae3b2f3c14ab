"""Errors and warnings raised by capsize.

Every error a user can cause is a subclass of :class:`CapsizeError`, and its
message names the offending input and what to do about it. The CLI turns any
``CapsizeError`` into a one-line message and a non-zero exit code.

Error tree::

    CapsizeError
    ├── InputError              bad argument or file from the user  (alias: InvalidInput)
    │   └── SchemaError         a file or frame does not have the expected layout
    ├── DataNotFound            the store has no data for what was asked
    ├── ProviderError           a data service failed (carries ``provider=``)
    │   ├── EmptyDataError      the service answered, but with no data
    │   ├── UnauthorizedError   credentials / user agent missing or refused
    │   ├── RateLimitError      HTTP 429 after retries
    │   ├── ProviderTimeout     no answer within the timeout after retries
    │   └── NetworkUnreachable  no connection at all (DNS failure, refused, no route)
    ├── StoreError              the embedded DuckDB store failed or is corrupt
    ├── OutputError             an output file could not be written (names the path)
    └── MissingDependencyError  an optional extra is not installed (also an ImportError)

Warning tree::

    CapsizeWarning
    ├── StaleDataWarning        data older than expected
    ├── DataQualityWarning      a quality check flagged rows
    └── PerformanceWarning      an accelerator is unavailable; a slower path is used
"""

from __future__ import annotations

__all__ = [
    "CapsizeError",
    "CapsizeWarning",
    "DataNotFound",
    "DataQualityWarning",
    "EmptyDataError",
    "InputError",
    "InvalidInput",
    "MissingDependencyError",
    "NetworkUnreachable",
    "OutputError",
    "PerformanceWarning",
    "ProviderError",
    "ProviderTimeout",
    "RateLimitError",
    "SchemaError",
    "StaleDataWarning",
    "StoreError",
    "UnauthorizedError",
]


class CapsizeError(Exception):
    """Base class of every error capsize raises on purpose."""


class InputError(CapsizeError, ValueError):
    """An argument, option or file given by the user is invalid."""


InvalidInput = InputError


class SchemaError(InputError):
    """A file or frame does not have the layout capsize expects."""


class DataNotFound(CapsizeError, LookupError):
    """The store holds no data for the requested symbol, series or window."""


class ProviderError(CapsizeError):
    """A data provider failed.

    Parameters
    ----------
    message : str
        What went wrong and what to do.
    provider : str
        Name of the provider (``"yahoo"``, ``"fred"``, ...).
    """

    def __init__(self, message: str, *, provider: str) -> None:
        super().__init__(message)
        self.provider = provider


class EmptyDataError(ProviderError):
    """The provider answered, but returned no usable rows."""


class UnauthorizedError(ProviderError):
    """The provider refused the request (credentials or user agent)."""


class RateLimitError(ProviderError):
    """The provider kept answering HTTP 429 after all retries."""


class ProviderTimeout(ProviderError):
    """The provider did not answer within the timeout after all retries."""


class NetworkUnreachable(ProviderError):
    """No connection could be opened to the provider's host (DNS failure, refused, no route).

    Parameters
    ----------
    message : str
        What went wrong and what to do.
    provider : str
        Name of the provider.
    host : str
        The host that could not be reached.
    """

    def __init__(self, message: str, *, provider: str, host: str) -> None:
        super().__init__(message, provider=provider)
        self.host = host


class StoreError(CapsizeError):
    """The embedded store could not be read or written."""


class OutputError(CapsizeError, OSError):
    """An output file could not be written; the message names the path and the reason."""


class MissingDependencyError(CapsizeError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""


class CapsizeWarning(UserWarning):
    """Base class of capsize warnings."""


class StaleDataWarning(CapsizeWarning):
    """The data is older than expected; update it with ``capsize data update``."""


class DataQualityWarning(CapsizeWarning):
    """A data-quality check flagged rows; see ``capsize data check``."""


class PerformanceWarning(CapsizeWarning):
    """A fast path is unavailable and a slower fallback is used."""
