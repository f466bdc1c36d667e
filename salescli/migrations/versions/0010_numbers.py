"""Document numbers through the database (issue 14): ``salescli_next_number(kind, year)`` takes the next quote,
contract or order number, and a deferred check makes sure every number taken is used by the document stored with
it in the same transaction (so numbers stay gap-free even for a login that calls the function by hand).

The function is SECURITY DEFINER (owned, once team mode is on, by the database's owner role: services/team.py),
so reps and managers take numbers without any write grant on ``counters``. PostgreSQL only; SQLite keeps its
``UPDATE ... RETURNING`` under BEGIN IMMEDIATE (services/numbers.next_number).

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

#: kind → the table whose ``number`` column holds the documents of that kind
DOCUMENTS = {"Q": "quotes", "C": "contracts", "SO": "orders"}


def _statements(s: str) -> list[str]:
    """``s``: the quoted schema. Every ``%`` is written ``%%`` (the driver reads ``%`` as a placeholder)."""
    kinds = ", ".join(f"'{kind}'" for kind in DOCUMENTS)
    used = " ".join(f"WHEN '{kind}' THEN EXISTS (SELECT 1 FROM {s}.{table} d WHERE d.number = v_number)"
                    for kind, table in DOCUMENTS.items())
    definer = "SECURITY DEFINER SET search_path = pg_catalog, pg_temp"
    return [
        f"""CREATE OR REPLACE FUNCTION {s}.salescli_next_number(p_kind text, p_year integer) RETURNS integer
            LANGUAGE plpgsql {definer}
            AS $$
            DECLARE
                v_last integer;
            BEGIN
                IF p_kind IS NULL OR p_kind NOT IN ({kinds}) THEN
                    RAISE EXCEPTION 'salescli_next_number: unknown document kind %%', p_kind
                        USING ERRCODE = 'invalid_parameter_value';
                END IF;
                IF p_year IS NULL OR p_year NOT BETWEEN 1 AND 9999 THEN
                    RAISE EXCEPTION 'salescli_next_number: year %% out of range', p_year
                        USING ERRCODE = 'invalid_parameter_value';
                END IF;
                INSERT INTO {s}.counters (kind, year, last) VALUES (p_kind, p_year, 0) ON CONFLICT DO NOTHING;
                UPDATE {s}.counters SET last = last + 1 WHERE kind = p_kind AND year = p_year
                    RETURNING last INTO v_last;
                RETURN v_last;
            END $$""",
        f"REVOKE ALL ON FUNCTION {s}.salescli_next_number(text, integer) FROM PUBLIC",
        # checked at commit: the number taken is the number of a document stored in the same transaction
        f"""CREATE OR REPLACE FUNCTION {s}.salescli_check_number() RETURNS trigger
            LANGUAGE plpgsql {definer}
            AS $$
            DECLARE
                v_number text;
            BEGIN
                IF NEW.last = 0 OR NEW.kind NOT IN ({kinds}) THEN
                    RETURN NULL;
                END IF;
                v_number := NEW.kind || '-' || NEW.year::text || '-'
                            || CASE WHEN NEW.last < 10000 THEN lpad(NEW.last::text, 4, '0') ELSE NEW.last::text END;
                IF NOT (CASE NEW.kind {used} ELSE false END) THEN
                    RAISE EXCEPTION 'document number %% was taken but no document was stored with it '
                                    '(numbers stay gap-free)', v_number
                        USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN NULL;
            END $$""",
        f"REVOKE ALL ON FUNCTION {s}.salescli_check_number() FROM PUBLIC",
        f"DROP TRIGGER IF EXISTS salescli_number_used ON {s}.counters",
        f"""CREATE CONSTRAINT TRIGGER salescli_number_used AFTER INSERT OR UPDATE ON {s}.counters
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {s}.salescli_check_number()""",
    ]


def _schema() -> str:
    bind = op.get_bind()
    schema = bind.exec_driver_sql("SELECT current_schema()").scalar()
    return str(bind.dialect.identifier_preparer.quote(str(schema)))


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for statement in _statements(_schema()):
        bind.exec_driver_sql(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    s = _schema()
    bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS salescli_number_used ON {s}.counters")
    bind.exec_driver_sql(f"DROP FUNCTION IF EXISTS {s}.salescli_check_number()")
    bind.exec_driver_sql(f"DROP FUNCTION IF EXISTS {s}.salescli_next_number(text, integer)")
