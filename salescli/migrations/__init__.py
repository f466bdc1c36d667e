"""Alembic migrations. HEAD and REVISIONS are plain constants so that opening a database can check its
schema without importing Alembic (a test keeps them equal to the scripts in versions/)."""

REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009", "0010", "0011")
HEAD = REVISIONS[-1]
