#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: formatting, lints, then the whole
# workspace's tests (unit, integration, CLI, examples, end to end). Installs nothing beyond the
# Rust toolchain but the npm packages of the JavaScript test peer and the web app (needs
# Node.js 20+ and npm), for the browser tests Debian's Chromium, for the store's and the
# replicas' tests Debian's PostgreSQL, and for the deployment test Debian's nginx, each when it
# is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# A one-off build gains nothing from incremental caches, which would double the size of target/.
if [[ "${CI:-}" == "true" ]]; then
    export CARGO_INCREMENTAL=0
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== cargo build (the end-to-end tests run the real binaries)"
cargo build --workspace --bins --locked

# The JavaScript peer of the end-to-end tests (tests/js). `npm ci` runs only when node_modules
# does not hold the committed lockfile's packages (the lockfile copied there is the stamp the
# tests check too), and prints nothing unless it fails.
js=tests/js
if ! cmp -s "$js/package-lock.json" "$js/node_modules/.installed-package-lock.json"; then
  echo "== npm ci --prefix $js (the end-to-end tests' JavaScript peer)"
  if ! command -v npm >/dev/null; then
    echo "npm is missing: install Node.js 20 or later with npm" >&2
    exit 1
  fi
  if ! npm_log=$(npm ci --prefix "$js" --no-audit --no-fund --loglevel=error 2>&1); then
    echo "$npm_log" >&2
    exit 1
  fi
  cp "$js/package-lock.json" "$js/node_modules/.installed-package-lock.json"
fi

# PostgreSQL for the store's tests on its second engine: Debian's package when missing (its
# default cluster is not made; each test binary starts its own in a temp directory, as an
# unprivileged user, on loopback). A PostgreSQL that cannot start then fails the run.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "== apt-get install postgresql (the store's tests on PostgreSQL)"
  mkdir -p /etc/postgresql-common
  echo "create_main_cluster = false" >> /etc/postgresql-common/createcluster.conf
  if ! apt_log=$( (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-confold -o Dpkg::Options::=--force-confdef postgresql) 2>&1); then
    echo "$apt_log" >&2
    exit 1
  fi
fi
export RAVENSTVO_REQUIRE_POSTGRES=1

# nginx for the deployment test (deploy/nginx.conf in front of two replicas): Debian's package
# when missing, not started as a service (the test runs its own in a temp directory).
if ! [ -x /usr/sbin/nginx ]; then
  echo "== apt-get install nginx (the deployment test)"
  if ! apt_log=$( (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-confold -o Dpkg::Options::=--force-confdef nginx) 2>&1); then
    echo "$apt_log" >&2
    exit 1
  fi
fi
export RAVENSTVO_REQUIRE_NGINX=1

echo "== cargo test"
cargo test --workspace --locked

# The end-to-end suites that cover what the server stores (documents over /sync, narratives,
# lifecycle, accounts, access), again with every server on PostgreSQL (a database per server
# on a throwaway cluster). The replicas and copy suites ran on PostgreSQL above.
echo "== end-to-end suites with the servers on PostgreSQL"
RAVENSTVO_E2E_DATABASE=postgres cargo test --locked -p e2e \
  --test api --test accounts --test tour --test sync --test access --test passages \
  --test admin_edits --test attack_logins

# The load tool's scenarios, a few seconds each (the full runs are in the README's
# «Производительность»): it fails when a keystroke never arrives or a storm never converges.
echo "== loadgen smoke: typing over /sync and /yjs, a reconnect storm, two replicas on PostgreSQL"
cargo run -q --locked -p e2e --bin loadgen -- typing --smoke --json target/loadgen/smoke-typing.json
cargo run -q --locked -p e2e --bin loadgen -- storm --smoke --json target/loadgen/smoke-storm.json
cargo run -q --locked -p e2e --bin loadgen -- scale --smoke --json target/loadgen/smoke-scale.json

# The web app (web/): packages when the lockfile changed, the production build (type-checked),
# its unit tests, then the browser tests: Debian's Chromium (installed when missing) driven by
# playwright-core against the debug sync-server built above, with the demo region.
web=web
if ! cmp -s "$web/package-lock.json" "$web/node_modules/.installed-package-lock.json"; then
  echo "== npm ci --prefix $web"
  if ! npm_log=$(npm ci --prefix "$web" --no-audit --no-fund --loglevel=error 2>&1); then
    echo "$npm_log" >&2
    exit 1
  fi
  cp "$web/package-lock.json" "$web/node_modules/.installed-package-lock.json"
fi
echo "== npm run build (web)"
npm run --prefix "$web" build
# Unit tests, and the rules tests (tests/rules): the browser's validator held to the
# `ravenstvo` binary built above on forms/examples and seeded variants.
echo "== vitest (web unit and rules tests)"
npm run --prefix "$web" test
if [ ! -x /usr/bin/chromium ]; then
  echo "== apt-get install chromium (the browser tests' browser)"
  if ! apt_log=$( (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium) 2>&1); then
    echo "$apt_log" >&2
    exit 1
  fi
fi
echo "== browser tests (web/tests/browser; screenshots in web/test-results/screenshots)"
npm run --prefix "$web" test:browser
