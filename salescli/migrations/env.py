"""Alembic environment: runs on the connection store.py hands over (inside its transaction), or, for
developers making a new revision, on ``sqlalchemy.url`` from the command line (``-x url=...``)."""

from alembic import context
from sqlalchemy import create_engine

from salescli.models import metadata

config = context.config
connection = config.attributes.get("connection")

if connection is not None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///dev.db")
    engine = create_engine(url)
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
