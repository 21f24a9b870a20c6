#!/usr/bin/env bash
# Until communication's first release its schema is one migration, regenerated from src/db/schema.ts.
# flock: several people (or agents) may regenerate at once.
set -euo pipefail
cd "$(dirname "$0")/.."
exec 9>/tmp/learnmesh-communication-migrations.lock
flock 9
rm -rf migrations
npx drizzle-kit generate --name init >/dev/null
echo "regenerated $(ls migrations/0000_*.sql)"
