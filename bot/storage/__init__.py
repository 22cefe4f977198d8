"""Storage: the database schema, its migrations, the repositories and the unit of work."""
