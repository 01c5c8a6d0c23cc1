#!/usr/bin/env bash
# The whole test suite: lint, then pytest on SQLite (with the browser tests in chromium),
# then pytest again on a fresh PostgreSQL database. On CI (CI=true) a missing PostgreSQL
# server or chromium is a failure; elsewhere those parts are skipped and said so.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_URL="${PEERCERT_TEST_PG:-postgresql://127.0.0.1:5432/test}"
CHROMIUM="${PEERCERT_CHROMIUM:-/usr/bin/chromium}"
ci="${CI:-false}"
skipped=()
status=0

if [ ! -x "$CHROMIUM" ] && [ "$ci" = "true" ]; then
  echo "== chromium missing: installing Debian's chromium for the browser tests"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils) >/dev/null 2>&1 \
    || echo "!! could not install chromium"
fi

# the interop test verifies signed credentials with Digital Bazaar's JS libraries under node
INTEROP=tests/verify/interop
if ! command -v node >/dev/null 2>&1 && [ "$ci" = "true" ]; then
  echo "== node missing: installing Debian's nodejs and npm for the credential interop test"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm) >/dev/null 2>&1 \
    || echo "!! could not install nodejs"
fi
if command -v npm >/dev/null 2>&1; then
  echo "== npm ci ($INTEROP: the independent verifier)"
  npm ci --prefix "$INTEROP" --no-audit --no-fund --loglevel=error >/dev/null || status=1
else
  skipped+=("credential interop test (no node/npm; apt-get install -y nodejs npm)")
fi

# the exam statistics tests compare with R's psych package (tests/pure/r_psych.py)
if ! command -v Rscript >/dev/null 2>&1 && [ "$ci" = "true" ]; then
  echo "== R missing: installing Debian's r-base-core, r-cran-psych and r-cran-lme4 for the comparisons with R"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq r-base-core r-cran-psych r-cran-lme4) >/dev/null 2>&1 \
    || echo "!! could not install R"
fi
shared="${PEERCERT_SHARED:-../shared}"
if [ ! -f "$shared/data/rds_sample/tasks.csv" ] && [ ! -f "$shared/rds_sample/tasks.csv" ] && [ ! -f "$shared/tasks.csv" ]; then
  skipped+=("tests on the shared RDS sample (not found at $shared; set PEERCERT_SHARED)")
fi
if ! command -v Rscript >/dev/null 2>&1; then
  skipped+=("comparisons with R psych (no Rscript; apt-get install -y r-base-core r-cran-psych r-cran-lme4)")
fi

echo "== ruff check / ruff format --check"
$BIN/ruff check . || status=1
$BIN/ruff format --check . || status=1
echo "== mypy on every package"
$BIN/mypy || status=1
echo "== bandit (security lint): no medium or high finding in the application's code"
$BIN/bandit -q -r app.py core certify rds ceu verify exams -ll || status=1

export PEERCERT_CHROMIUM="$CHROMIUM"
if [ -x "$CHROMIUM" ]; then
  export PEERCERT_BROWSER_TESTS=1
else
  skipped+=("browser tests (no chromium at $CHROMIUM; apt-get install -y chromium)")
fi

echo "== pytest on SQLite (pure tests, app tests${PEERCERT_BROWSER_TESTS:+, browser tests})"
$BIN/python -m pytest tests -p no:cacheprovider || status=1

if $BIN/python -c "import psycopg,sys; psycopg.connect('$PG_URL', connect_timeout=3).close()" 2>/dev/null; then
  echo "== pytest on PostgreSQL ($PG_URL, a fresh database for this run)"
  PEERCERT_TEST_DATABASE_URL="$PG_URL" PEERCERT_BROWSER_TESTS= \
    $BIN/python -m pytest tests --ignore=tests/pure --ignore=tests/browser -p no:cacheprovider || status=1
else
  skipped+=("PostgreSQL run (no server at $PG_URL; set PEERCERT_TEST_PG)")
fi

if [ ${#skipped[@]} -gt 0 ]; then
  echo "== SKIPPED PARTS:"
  for part in "${skipped[@]}"; do echo "   - $part"; done
  if [ "$ci" = "true" ]; then
    echo "!! On CI nothing may be skipped: failing."
    status=1
  fi
fi
[ $status -eq 0 ] && echo "== all test runs passed" || echo "== some test runs FAILED"
exit $status
