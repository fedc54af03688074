"""Persistence: tables, the engine pair, migrations and repositories. The only package that imports SQLAlchemy."""
