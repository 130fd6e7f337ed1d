"""Small helpers shared by the apps' views."""

from django.contrib import messages
from django.core.exceptions import ValidationError

from readiness.exceptions import DomainError


def report_outcome(request, action, success) -> bool:
    """Runs `action()` and tells the user how it went: `success` (a text, or a function of the
    action's result) or the refusal's own message. Returns whether it succeeded."""
    try:
        result = action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return False
    except DomainError as error:
        messages.error(request, error.message)
        return False
    messages.success(request, success(result) if callable(success) else success)
    return True
