"""Alembic environment: runs against the connection handed over by ``ggzy.kit.migrate``."""

from alembic import context

from ggzy.models import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
