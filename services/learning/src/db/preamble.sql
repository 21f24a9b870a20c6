-- Trigram matching for catalog autocomplete; installed database-wide (in public) by the admin that runs migrations.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
