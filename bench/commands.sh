#!/usr/bin/env bash
# Count the FTP commands skiff sends for a tree of small files, per file and once, on each of
# the test servers (vsftpd, pure-ftpd, proftpd): `skiff get -v --parallel 8` of a 2,000-file
# tree in 20 directories, then `skiff put -v --parallel 8` of it into a new directory, the
# commands counted from the `-v` log (`[tag] VERB …` lines). Prints one Markdown table.
#
# Needs the test servers running (`bash tests/servers/servers.sh start`) and a release build
# (`cargo build --release`). SKIFF_BENCH_FILES (2000) and SKIFF_BENCH_DIRS (20) size the tree.
set -euo pipefail
cd "$(dirname "$0")/.."
env_file=${SKIFF_SERVERS_ENV:-/tmp/skiff-servers/env}
[[ -r $env_file ]] || { echo "no $env_file: start the servers (tests/servers/servers.sh start)" >&2; exit 1; }
set -a
# shellcheck disable=SC1090
. "$env_file"
set +a
bin=${SKIFF_BENCH_BIN:-target/release/skiff}
[[ -x $bin ]] || { echo "no $bin: cargo build --release" >&2; exit 1; }
files=${SKIFF_BENCH_FILES:-2000}
dirs=${SKIFF_BENCH_DIRS:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Verbs sent as often as there are files (or more) are "per file"; the rest "once", counted.
summarise() {
  awk -v n="$files" '
    /^\[[^]]*\] [A-Z][A-Z]+( |$)/ { c[$2]++ }
    END {
      per = ""; once = ""
      for (v in c) {
        if (c[v] >= n) per = per (per == "" ? "" : ", ") sprintf("`%s` %.2f", v, c[v] / n)
        else once = once (once == "" ? "" : ", ") sprintf("%d `%s`", c[v], v)
      }
      printf "%s | %s", per, once
    }' "$1"
}

echo "| server | download: per file | download: once | upload: per file | upload: once |"
echo "|---|---|---|---|---|"
for s in VSFTPD PUREFTPD PROFTPD; do
  url_var=SKIFF_${s}_URL root_var=SKIFF_${s}_ROOT
  url=${!url_var%/} root=${!root_var}
  tree=cmdcount-$files
  if [[ ! -d $root/$tree ]]; then
    for ((d = 0; d < dirs; d++)); do
      mkdir -p "$root/$tree/d$d"
      for ((f = 0; f < files / dirs; f++)); do
        printf '%08d' "$f" | head -c 1024 >"$root/$tree/d$d/f$f.txt"
      done
    done
  fi
  rm -rf "$work/get" "$work/put.log" "$work/get.log"
  mkdir -p "$work/get"
  # The password comes from the URL of the servers' env (a throwaway CI account).
  "$bin" get -v --parallel 8 "$url/$tree" "$work/get" 2>"$work/get.log" >/dev/null
  got=$(find "$work/get" -type f | wc -l)
  [[ $got -eq $files ]] || { echo "$s: $got files of $files downloaded" >&2; exit 1; }
  up=up-$(date +%s%N)
  "$bin" put -v --parallel 8 "$work/get/$tree" "$url/$up" 2>"$work/put.log" >/dev/null
  sent=$(find "$root/$up" -type f | wc -l)
  [[ $sent -eq $files ]] || { echo "$s: $sent files of $files uploaded" >&2; exit 1; }
  rm -rf "${root:?}/$up"
  listing=$(grep -qE '^\[[^]]*\] MLSD' "$work/get.log" && echo MLSD || echo LIST)
  printf '| %s (`%s`) | %s | %s |\n' "${s,,}" "$listing" \
    "$(summarise "$work/get.log")" "$(summarise "$work/put.log")"
done
