#!/usr/bin/env bash
# Until learning's first release its schema is one migration, regenerated from src/db/*.ts.
# flock: several people (or agents) may regenerate at once.
set -euo pipefail
cd "$(dirname "$0")/.."
exec 9>/tmp/learnmesh-learning-migrations.lock
flock 9
rm -rf migrations
npx drizzle-kit generate --name init >/dev/null
# drizzle-kit cannot express extensions or generated tsvector columns in every form we need;
# prepend what the tables rely on.
f=$(ls migrations/0000_*.sql)
{ cat src/db/preamble.sql; echo '--> statement-breakpoint'; cat "$f"; } > "$f.tmp" && mv "$f.tmp" "$f"
echo "regenerated $f"
