"""The OpenAPI security scheme of the token authentication (drf-spectacular's knox extension
matches only knox's own class, not this subclass)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "readiness.api_tokens.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "A personal API token, created on the account's API tokens page, sent as "
                "`Token <key>`. Tokens expire (see the page); an expired or revoked token "
                "gets 401."
            ),
        }
