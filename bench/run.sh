#!/usr/bin/env bash
# skiff's benchmarks against vsftpd on loopback, side by side with curl and lftp:
#
#   tui   (benches/tui.rs)   opening a 100,000-entry directory: first screen, PageDown, memory,
#                            idle CPU (skiff in a pseudo-terminal vs curl's raw LIST, lftp cls)
#   xfer  (benches/xfer.rs)  transfers: a 1 GiB file (skiff get/put vs curl), a tree of 2,000
#                            files of 8 KiB in 20 directories (skiff --parallel 8 vs lftp
#                            mirror -P 8), key latency and throughput of a 1 GiB download in the
#                            TUI, peak memory for the 1 GiB file and for a 100,000-file queue,
#                            a 64 MiB text file in ASCII mode (skiff vs curl vs lftp),
#                            `skiff sync` of the tree with nothing to do both ways (vs lftp
#                            mirror), and the 1 GiB download from proftpd with and without
#                            --verify (parts sync and verify)
#
#   sudo bench/run.sh            # as root: installs and (re)starts the test servers, runs both
#
# 1. tests/servers/servers.sh install + start (vsftpd on 127.0.0.1:2121, user skiffci);
#    `start` resets the server trees, so the test data is created afterwards.
# 2. Creates the test data (once; reused while it is intact):
#    - big100k/: SKIFF_BENCH_COUNT empty files (default 100000, named f000000…), owned by the
#      FTP user, in the vsftpd root (or SKIFF_BENCH_DIR);
#    - xfer/ (or SKIFF_BENCH_XFER_DIR): src/big.bin (1 GiB of random bytes), src/tree2k/
#      (d00…d19, each with f000…f099 of 8 KiB of random bytes), one/big.bin (a hard link: a
#      directory holding only the big file, for the TUI), up/ (upload target, owned by the FTP
#      user) and dl/ (download target).
# 3. cargo build --release, then `cargo bench --bench tui` and `cargo bench --bench xfer`,
#    which print Markdown tables with the ratios and verdicts (on stdout; progress on stderr).
#
# Environment:
#   SKIFF_BENCH_ONLY=tui|xfer    run one of the two benches (default: both; ~3 + ~10 min)
#   SKIFF_BENCH_REUSE_SERVERS=1  use servers that are already running (no install/start, so
#                                nobody else's server session is cut); then put the data
#                                outside the vsftpd root with SKIFF_BENCH_DIR/SKIFF_BENCH_XFER_DIR.
#   SKIFF_BENCH_DIR=/abs/dir     where the 100,000-entry directory is (default:
#                                $SKIFF_VSFTPD_ROOT/big100k). vsftpd does not chroot the test
#                                user, so any directory the user can read works; a directory
#                                outside the login directory is named by an absolute URL path.
#   SKIFF_BENCH_XFER_DIR=/abs    where the transfer data lives (default $SKIFF_VSFTPD_ROOT/xfer).
#                                The bench checks uploads by reading this directory, so the
#                                server must run on this machine (it does: loopback).
#   SKIFF_BENCH_BIG_MB           size of the big file in MiB (default 1024)
#   SKIFF_BENCH_COUNT, SKIFF_BENCH_RUNS, SKIFF_BENCH_PGDN, SKIFF_BENCH_IDLE_SECS,
#   SKIFF_BENCH_LFTP=0, SKIFF_BENCH_LFTP_LONG=0: see benches/tui.rs.
#   SKIFF_BENCH_PARTS, SKIFF_BENCH_ROUNDS, SKIFF_BENCH_TREE_ROUNDS, SKIFF_BENCH_TUI_RUNS,
#   SKIFF_BENCH_TUI_QUIET_RUNS,
#   SKIFF_BENCH_QUEUE_TIMEOUT: see benches/xfer.rs.
#   SKIFF_BENCH_MAX_LOAD         wait (up to 10 min) until the 1-minute load average is below
#                                this before measuring (default 0: don't wait, just print it)
set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$PWD
SERVERS=$REPO/tests/servers/servers.sh
SERVERS_DIR=${SKIFF_SERVERS_DIR:-/tmp/skiff-servers}
COUNT=${SKIFF_BENCH_COUNT:-100000}
BIG_MB=${SKIFF_BENCH_BIG_MB:-1024}
ONLY=${SKIFF_BENCH_ONLY:-all}
FTP_USER=skiffci

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] ERROR: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "run as root (the test servers need it)"
case $ONLY in all | tui | xfer) ;; *) die "SKIFF_BENCH_ONLY must be tui or xfer" ;; esac

if [[ ${SKIFF_BENCH_REUSE_SERVERS:-0} == 1 ]] && bash "$SERVERS" status >/dev/null 2>&1; then
  log "reusing the running test servers"
else
  bash "$SERVERS" install
  bash "$SERVERS" start >/dev/null
fi
[[ -f $SERVERS_DIR/env ]] || die "no $SERVERS_DIR/env: did servers.sh start fail?"
# shellcheck disable=SC1091
source "$SERVERS_DIR/env"

# ---------------------------------------------------------------- the 100,000-entry directory
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

# ---------------------------------------------------------------- the transfer data
X=${SKIFF_BENCH_XFER_DIR:-$SKIFF_VSFTPD_ROOT/xfer}
[[ $X == /* ]] || die "SKIFF_BENCH_XFER_DIR must be absolute"
if [[ $ONLY != tui ]]; then
  mkdir -p "$X/src" "$X/one" "$X/up" "$X/dl"
  want=$((BIG_MB * 1048576))
  if [[ $(stat -c %s "$X/src/big.bin" 2>/dev/null || echo 0) -ne $want ]]; then
    log "creating $X/src/big.bin ($BIG_MB MiB of random bytes)"
    head -c "$want" /dev/urandom >"$X/src/big.bin.tmp"
    mv "$X/src/big.bin.tmp" "$X/src/big.bin"
  fi
  ln -f "$X/src/big.bin" "$X/one/big.bin"
  T=$X/src/tree2k
  if [[ $(find "$T" -type f -size 8192c 2>/dev/null | wc -l) -ne 2000 ||
    $(find "$T" -mindepth 1 2>/dev/null | wc -l) -ne 2020 ]]; then
    log "creating $T (20 directories x 100 files of 8 KiB)"
    rm -rf "$T"
    for d in $(seq -w 0 19); do
      mkdir -p "$T/d$d"
      head -c $((100 * 8192)) /dev/urandom | (cd "$T/d$d" && split -b 8192 -d -a 3 - f)
    done
  fi
  chmod -R a+rX "$X/src" "$X/one"
  # Leftovers of an interrupted run would make the fresh-destination rule a lie.
  find "$X/up" "$X/dl" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
  chown "$FTP_USER:" "$X/up"
  chmod 0755 "$X" "$X/up" "$X/dl"
fi
export SKIFF_BENCH_XFER_URL=${SKIFF_VSFTPD_URL%/}
# The verify part needs a server with checksums: proftpd (mod_digest), same machine.
export SKIFF_BENCH_VERIFY_URL=${SKIFF_BENCH_VERIFY_URL:-${SKIFF_PROFTPD_URL%/}}
export SKIFF_BENCH_XFER_DIR=$X
export SKIFF_BENCH_QUEUE_DIR=$BIG

log "building the release binary"
cargo build --release --quiet
[[ $ONLY == xfer ]] || cargo bench --bench tui --no-run --quiet
[[ $ONLY == tui ]] || cargo bench --bench xfer --no-run --quiet

if [[ ${SKIFF_BENCH_MAX_LOAD:-0} != 0 ]]; then
  for _ in $(seq 120); do
    awk -v m="$SKIFF_BENCH_MAX_LOAD" '{ exit !($1 < m) }' /proc/loadavg && break
    log "load average $(cut -d' ' -f1-3 /proc/loadavg), waiting for < $SKIFF_BENCH_MAX_LOAD"
    sleep 5
  done
fi

echo "# skiff benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'),"\
  "$(awk '/MemTotal/ {printf "%.0f GiB RAM", $2 / 1048576}' /proc/meminfo), $(uname -sr);"\
  "load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- skiff $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$REPO" diff --quiet HEAD 2>/dev/null || echo ' (with local changes)'), $(rustc --version)"
echo "- server: vsftpd on 127.0.0.1; listing directory ${BIG} ($COUNT entries); transfer data in $X"
echo "- $(curl --version | head -1 | cut -d' ' -f1-2), $(lftp --version 2>/dev/null | head -1 | sed 's/ *|.*Version */ /; s/ *|.*//')"
# Only the password is hidden from the printed URL.
echo "- URL: ${SKIFF_BENCH_URL/:skiff-ci-pass@/:****@}"
[[ $ONLY == xfer ]] || cargo bench --bench tui --quiet
[[ $ONLY == tui ]] || cargo bench --bench xfer --quiet
