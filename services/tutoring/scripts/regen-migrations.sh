#!/usr/bin/env bash
# Until tutoring's first release its schema is one migration, regenerated from src/db/schema.ts.
# flock: several people (or agents) may regenerate at once.
set -euo pipefail
cd "$(dirname "$0")/.."
exec 9>/tmp/learnmesh-tutoring-migrations.lock
flock 9
rm -rf migrations
npx drizzle-kit generate --name init >/dev/null
# drizzle-kit cannot express extensions or exclusion constraints: the preamble goes before the
# generated tables, the postamble after them.
f=$(ls migrations/0000_*.sql)
{ cat src/db/preamble.sql; echo '--> statement-breakpoint'; cat "$f"; echo '--> statement-breakpoint'; cat src/db/postamble.sql; } > "$f.tmp" && mv "$f.tmp" "$f"
echo "regenerated $f"
