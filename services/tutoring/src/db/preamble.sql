-- btree_gist lets one exclusion constraint combine equality on a tutor with overlap of time ranges
-- (no double booking, enforced by the database); installed database-wide by the admin that runs migrations.
CREATE EXTENSION IF NOT EXISTS btree_gist;
