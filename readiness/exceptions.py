"""Errors that services raise. Views and the API turn them into clear messages; a refusal for
lack of permission is Django's PermissionDenied."""


class DomainError(Exception):
    """A request that is well-formed but not allowed in the current state."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidTransition(DomainError):
    pass


class RoundLocked(DomainError):
    """The round's status does not allow this change (e.g. methodology after draft, anything
    after publication)."""


class Conflict(DomainError):
    """The object changed since the user loaded it."""
