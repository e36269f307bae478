"""Trigram indexes for the portfolio search on PostgreSQL (icontains compiles to
UPPER(col::text) LIKE UPPER('%…%'), so the indexes are on that expression). SQLite skips it."""

from django.db import migrations

COLUMNS = ["last_name", "first_name", "email"]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS bilan_beneficiary_{column}_trgm "
            f"ON bilan_beneficiary USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS bilan_beneficiary_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("bilan", "0002_beneficiary_created_by")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
