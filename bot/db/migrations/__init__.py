"""Alembic migrations of the project's database, run at start-up by ``bot.db.migrate``.

To change the schema: edit ``bot/db/schema.py``, then add ``versions/NNNN_what.py``
with ``revision = "NNNN"`` and ``down_revision`` the previous one (``script.py.mako``
is the template), spelling out its ``op.*`` calls as a frozen copy; use
``op.batch_alter_table`` for SQLite's sake. ``tests/db/test_migrations.py`` fails until
running every migration gives exactly the tables of ``schema.py``, on both engines.
"""
