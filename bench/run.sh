#!/usr/bin/env bash
# skiff's big-directory benchmark against vsftpd on loopback, side by side with curl and lftp.
#
#   sudo bench/run.sh            # as root: installs and (re)starts the test servers
#
# 1. tests/servers/servers.sh install + start (vsftpd on 127.0.0.1:2121, user skiffci);
#    `start` resets the server trees, so the big directory is created afterwards.
# 2. Creates big100k/ (SKIFF_BENCH_COUNT empty files, default 100000, named f000000…) in the
#    vsftpd root, owned by the FTP user.
# 3. cargo build --release, then `cargo bench --bench tui` (benches/tui.rs), which runs curl,
#    lftp and skiff (in a pseudo-terminal) alternately and prints the table with the ratios.
#
# Environment:
#   SKIFF_BENCH_REUSE_SERVERS=1  use servers that are already running (no install/start, so
#                                nobody else's server session is cut); needs SKIFF_BENCH_DIR
#                                unless you don't mind big100k/ appearing in the vsftpd root.
#   SKIFF_BENCH_DIR=/abs/dir     where to create the big directory (default:
#                                $SKIFF_VSFTPD_ROOT/big100k). vsftpd does not chroot the test
#                                user, so any directory the user can read works; a directory
#                                outside the login directory is named by an absolute URL path.
#   SKIFF_BENCH_COUNT, SKIFF_BENCH_RUNS, SKIFF_BENCH_PGDN, SKIFF_BENCH_IDLE_SECS,
#   SKIFF_BENCH_LFTP=0, SKIFF_BENCH_LFTP_LONG=0: see benches/tui.rs.
set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$PWD
SERVERS=$REPO/tests/servers/servers.sh
SERVERS_DIR=${SKIFF_SERVERS_DIR:-/tmp/skiff-servers}
COUNT=${SKIFF_BENCH_COUNT:-100000}
FTP_USER=skiffci

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] ERROR: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "run as root (the test servers need it)"

if [[ ${SKIFF_BENCH_REUSE_SERVERS:-0} == 1 ]] && bash "$SERVERS" status >/dev/null 2>&1; then
  log "reusing the running test servers"
else
  bash "$SERVERS" install
  bash "$SERVERS" start >/dev/null
fi
[[ -f $SERVERS_DIR/env ]] || die "no $SERVERS_DIR/env: did servers.sh start fail?"
# shellcheck disable=SC1091
source "$SERVERS_DIR/env"

BIG=${SKIFF_BENCH_DIR:-$SKIFF_VSFTPD_ROOT/big100k}
[[ $BIG == /* ]] || die "SKIFF_BENCH_DIR must be absolute"
have=$(find "$BIG" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l || true)
if [[ $have -ne $COUNT ]]; then
  log "creating $COUNT empty files in $BIG"
  rm -rf "$BIG"
  mkdir -p "$BIG"
  (cd "$BIG" && awk -v n="$COUNT" 'BEGIN { for (i = 0; i < n; i++) printf "f%06d\n", i }' | xargs touch)
  chown -R "$FTP_USER:" "$BIG"
  chmod 0755 "$BIG"
fi
# The URL path: relative to the login directory when inside it, else absolute (%2F).
case $BIG in
  "$SKIFF_VSFTPD_ROOT"/*) URLPATH=${BIG#"$SKIFF_VSFTPD_ROOT"/} ;;
  *) URLPATH=%2F${BIG#/} ;;
esac
export SKIFF_BENCH_URL=${SKIFF_VSFTPD_URL%/}/$URLPATH
export SKIFF_BENCH_COUNT=$COUNT

log "building the release binary"
cargo build --release --quiet
cargo bench --bench tui --no-run --quiet

echo "# skiff benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'),"\
  "$(awk '/MemTotal/ {printf "%.0f GiB RAM", $2 / 1048576}' /proc/meminfo), $(uname -sr)"
echo "- skiff $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$REPO" diff --quiet HEAD 2>/dev/null || echo ' (with local changes)'), $(rustc --version)"
echo "- server: vsftpd on 127.0.0.1, directory ${BIG} ($COUNT entries)"
echo "- $(curl --version | head -1 | cut -d' ' -f1-2), $(lftp --version 2>/dev/null | head -1 | sed 's/ *|.*Version */ /; s/ *|.*//')"
# Only the password is hidden from the printed URL.
echo "- URL: ${SKIFF_BENCH_URL/:skiff-ci-pass@/:****@}"
cargo bench --bench tui --quiet
