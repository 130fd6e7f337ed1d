"""The tokens of rest_framework.authtoken were stored as plain keys. Each becomes an ApiToken
holding only the key's digest (so scripts using it keep working until it expires, API_TOKEN_DAYS
from this migration), and the old table, with every plain key, is dropped.

rest_framework.authtoken is no longer installed, so its model cannot describe its table: the
name is written here, once, for this one-time move."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone

OLD_TOKEN_TABLE = "authtoken_token"
MIGRATED_NAME = "Token from before named tokens"


def hash_plaintext_tokens(apps, schema_editor):
    from knox.crypto import hash_token
    from knox.settings import CONSTANTS

    connection = schema_editor.connection
    if OLD_TOKEN_TABLE not in connection.introspection.table_names():
        return
    table = schema_editor.quote_name(OLD_TOKEN_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id, created FROM {table}")  # noqa: S608
        rows = cursor.fetchall()
    ApiToken = apps.get_model("api_tokens", "ApiToken")
    expiry = timezone.now() + timedelta(days=settings.API_TOKEN_DAYS)
    for key, user_id, created in rows:
        token = ApiToken(
            digest=hash_token(key),
            token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
            user_id=user_id,
            expiry=expiry,
            name=MIGRATED_NAME,
        )
        token.save()
        ApiToken._default_manager.filter(pk=token.pk).update(created=created)  # not "now"
    schema_editor.execute(f"DROP TABLE {table}")


class Migration(migrations.Migration):
    dependencies = [("api_tokens", "0001_initial")]

    operations = [migrations.RunPython(hash_plaintext_tokens, migrations.RunPython.noop)]
