#!/usr/bin/env bash
# The whole test suite: unit, in-process server, snapshot, pseudo-terminal end-to-end, and
# interop tests against real vsftpd, pure-ftpd and proftpd (installed from Debian's packages
# and started on 127.0.0.1 by tests/servers/servers.sh; needs root and apt-get).
set -euo pipefail
cd "$(dirname "$0")/.."

servers=tests/servers/servers.sh
if [ "$(id -u)" -ne 0 ]; then
  echo "run-all.sh: the interop servers need root (apt-get, a throwaway user); run it as root" >&2
  exit 2
fi
bash "$servers" install
bash "$servers" start
trap 'bash "$servers" stop >/dev/null 2>&1 || true' EXIT
set -a
# shellcheck disable=SC1091
. "${SKIFF_SERVERS_DIR:-/tmp/skiff-servers}/env"
set +a

# With CI=true a missing interop server fails its test instead of skipping it.
CI=true cargo test --locked --no-fail-fast "$@"
