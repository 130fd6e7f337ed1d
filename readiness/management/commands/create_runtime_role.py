"""Creates (or brings up to date) the PostgreSQL role the web and worker processes run as: it
owns nothing and may only read and write rows (issue 13, finding 6). As the tables' owner the
application could TRUNCATE them, disable the freeze and history triggers, or create a table
that INHERITS evidence; as this role it cannot. Run it as the owner (the role that runs the
migrations), after `migrate`:

    manage.py create_runtime_role --role readiness_app --password-file /run/secrets/app_db
    manage.py create_runtime_role --role readiness_app --sql      # print the SQL instead
"""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from psycopg import sql


def statements(role: str, password: str | None, schema: str, database: str, *, exists: bool,
               public_can_create: bool) -> list[sql.Composable]:  # fmt: skip
    name, schema_id, database_id = (
        sql.Identifier(role),
        sql.Identifier(schema),
        sql.Identifier(database),
    )
    attributes = sql.SQL(
        "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT"
    )
    if password is not None:
        attributes = sql.SQL("{} PASSWORD {}").format(attributes, sql.Literal(password))
    verb = sql.SQL("ALTER ROLE" if exists else "CREATE ROLE")
    result = [sql.SQL("{} {} {}").format(verb, name, attributes)]
    if public_can_create:
        # Every role may create objects in the schema (servers first set up before PostgreSQL
        # 15): keep that right for the owner, who runs the migrations, and take it from PUBLIC.
        result += [
            sql.SQL("GRANT CREATE ON SCHEMA {} TO CURRENT_USER").format(schema_id),
            sql.SQL("REVOKE CREATE ON SCHEMA {} FROM PUBLIC").format(schema_id),
        ]
    result += [
        sql.SQL("REVOKE CREATE ON SCHEMA {} FROM {}").format(schema_id, name),
        sql.SQL("REVOKE CREATE, TEMPORARY ON DATABASE {} FROM {}").format(database_id, name),
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(database_id, name),
        sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema_id, name),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {} TO {}").format(
            schema_id, name
        ),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(schema_id, name),
        # tables and sequences that later migrations create
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT SELECT, INSERT, UPDATE, DELETE "
            "ON TABLES TO {}"
        ).format(schema_id, name),
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT USAGE, SELECT ON SEQUENCES TO {}"
        ).format(schema_id, name),
    ]
    return result


class Command(BaseCommand):
    help = "Creates or updates the database role the application runs as (rows only, owns nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--role", required=True, help="the runtime role's name")
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--password-file", help="a file holding the role's password")
        source.add_argument(
            "--password-env", help="an environment variable holding the role's password"
        )
        parser.add_argument(
            "--sql",
            action="store_true",
            dest="print_sql",
            help="print the statements instead of running them",
        )

    def handle(self, *args, role, password_file, password_env, print_sql, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The runtime role is a PostgreSQL role: set DATABASE_URL.")
        password = self._password(password_file, password_env)
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_schema(), current_database()")
            owner, schema, database = cursor.fetchone()
            if role == owner:
                raise CommandError(
                    f"“{role}” is the role running this command, the tables' owner: the "
                    "runtime role must be another one."
                )
            cursor.execute("SELECT oid FROM pg_roles WHERE rolname = %s", [role])
            found = cursor.fetchone()
            if found:
                cursor.execute("SELECT count(*) FROM pg_class WHERE relowner = %s", found)
                if cursor.fetchone()[0]:
                    raise CommandError(f"“{role}” owns tables: it cannot be the runtime role.")
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_namespace n, aclexplode(n.nspacl) a "
                "WHERE n.nspname = %s AND a.grantee = 0 AND a.privilege_type = 'CREATE')",
                [schema],
            )
            public_can_create = cursor.fetchone()[0]
        plan = statements(role, password, schema, database, exists=bool(found),
                          public_can_create=public_can_create)  # fmt: skip
        raw = connection.connection
        if print_sql:
            for statement in plan:
                self.stdout.write(statement.as_string(raw) + ";")
            return
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in plan:
                cursor.execute(statement.as_string(raw))
            cursor.execute("SELECT has_schema_privilege(%s, %s, 'CREATE')", [role, schema])
            if cursor.fetchone()[0]:
                raise CommandError(
                    f"“{role}” may still create objects in “{schema}” (through another role?)."
                )
        self.stdout.write(
            f"{'Updated' if found else 'Created'} the runtime role “{role}”: rows of every table "
            f"in “{schema}”, no ownership, no CREATE."
        )

    def _password(self, password_file: str | None, password_env: str | None) -> str | None:
        if password_file:
            try:
                with open(password_file, encoding="utf-8") as handle:
                    password = handle.read().strip()
            except OSError as error:
                raise CommandError(f"Cannot read {password_file}: {error.strerror}.") from error
        elif password_env:
            password = os.environ.get(password_env, "")
        else:
            return None
        if not password:
            raise CommandError("The runtime role's password is empty.")
        return password
