"""Alembic's environment: run the migrations on the connection ``bot.db.migrate`` passes in.

There is no ``alembic.ini`` and no URL here: migrations run only through
``bot.db.migrate.upgrade``, which holds the migration lock on that very connection.
"""

from __future__ import annotations

from alembic import context

from bot.db.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the migrations with bot.db.migrate.upgrade(engine), which passes the connection in")

context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
