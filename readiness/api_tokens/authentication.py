"""`Authorization: Token <key>` (knox: the key is hashed and compared with the stored digest;
an expired token is deleted and refused, 401), and the token's "last used" time."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from readiness.api_tokens.models import ApiToken

# A script calling many times a minute writes "last used" at most once a minute.
LAST_USED_PRECISION = timedelta(minutes=1)


class TokenAuthentication(KnoxTokenAuthentication):
    def authenticate_credentials(self, token: bytes):
        # Keys are hexadecimal. knox decodes anything else as UTF-8 (a 500 on other bytes) and
        # looks it up (a 500 on PostgreSQL for a NUL byte): refuse it as any bad token.
        if not (token.isascii() and token.isalnum()):
            raise AuthenticationFailed(_("Invalid token."))
        user, auth_token = super().authenticate_credentials(token)
        now = timezone.now()
        if auth_token.last_used is None or now - auth_token.last_used > LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=auth_token.pk).update(last_used=now)
            auth_token.last_used = now
        return user, auth_token
