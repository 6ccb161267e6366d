"""``kb migrate``: an SQLite index copied into PostgreSQL (``transfer``), then compared with it (``verify``)."""
