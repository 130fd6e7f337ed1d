from django.db.models import QuerySet

from readiness.api_tokens.models import ApiToken


def api_tokens_of(user) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first: the only ones their page lists or may revoke."""
    return ApiToken.objects.filter(user=user).order_by("-created", "-id")
