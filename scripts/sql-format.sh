#!/usr/bin/env bash
# The ledger's SQL (src/db/sql/**/*.sql) is formatted by pgFormatter (Debian: apt-get install pgformatter).
#   --check  (npm run lint:sql)   fails naming every file that pg_format would change
#   --write  (npm run format:sql) rewrites the files (pg_format until it changes nothing more)
# The options are fixed here so every machine formats alike: 2 spaces, lower-case keywords and
# types, empty lines kept, lines wrapped at 120, no ~/.pg_format.
set -euo pipefail
cd "$(dirname "$0")/.."
OPTS=(-X -s 2 -u 1 -U 1 -k -w 120)
command -v pg_format >/dev/null 2>&1 || { echo "pg_format not found: apt-get install -y pgformatter" >&2; exit 2; }
mode=${1:---check}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
status=0
while IFS= read -r f; do
  if [ "$mode" = --write ]; then
    for _ in 1 2 3 4; do
      pg_format "${OPTS[@]}" "$f" > "$tmp"
      cmp -s "$tmp" "$f" && break
      cp "$tmp" "$f"
    done
  fi
  pg_format "${OPTS[@]}" "$f" > "$tmp"
  if ! cmp -s "$tmp" "$f"; then
    echo "not formatted: $f (npm run format:sql)"
    status=1
  fi
done < <(find src/db/sql -name '*.sql' | sort)
exit $status
