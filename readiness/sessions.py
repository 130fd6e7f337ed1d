"""Django's database sessions, read with one hand-written statement.

Every signed-in request reads its session; through the ORM (Session.objects.get) compiling the
query cost more than running it. Same table, same rows, same rule (the key, not expired): only
the read is written out; saving, creating and deleting stay Django's."""

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        model = self.model
        connection = connections[router.db_for_read(model)]
        quote = connection.ops.quote_name
        sql = "SELECT {data} FROM {table} WHERE {key} = %s AND {expiry} > %s".format(
            data=quote(model._meta.get_field("session_data").column),
            table=quote(model._meta.db_table),
            key=quote(model._meta.get_field("session_key").column),
            expiry=quote(model._meta.get_field("expire_date").column),
        )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=self.session_key, session_data=row[0])
