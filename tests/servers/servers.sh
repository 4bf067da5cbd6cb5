#!/usr/bin/env bash
# Real FTP servers from Debian's packages, side by side on 127.0.0.1, for skiff's tests.
#
#   servers.sh install   # proftpd-core (+ mod_tls), lftp, openssl via apt; vsftpd + pure-ftpd
#                        # extracted with dpkg -x
#   servers.sh start     # (re)creates user, fixture trees and a throwaway CA + server certificate,
#                        # starts the servers, writes $DIR/env
#   servers.sh stop      # stops them (packages, user and trees stay)
#   servers.sh status
#
# Needs root. Everything is configurable through the environment:
#   SKIFF_SERVERS_DIR (default /tmp/skiff-servers)
#   SKIFF_VSFTPD_PORT / SKIFF_PUREFTPD_PORT / SKIFF_PROFTPD_PORT (2121 / 2122 / 2123)
#   SKIFF_VSFTPD_PASV / SKIFF_PUREFTPD_PASV / SKIFF_PROFTPD_PASV
#     (40000-40099 / 40100-40199 / 40200-40299)
#   SKIFF_PUREFTPD_TLS_PORT / SKIFF_PUREFTPD_TLS_PASV (2124 / 40300-40399)
#   SKIFF_PROFTPD_TLS12_PORT / SKIFF_PROFTPD_TLS12_PASV (2125 / 40400-40499)
#   SKIFF_VSFTPD_IMPLICIT_PORT / SKIFF_VSFTPD_IMPLICIT_PASV (2126 / 40500-40599)
# The FTP user is skiffci / skiff-ci-pass. Each server lands it in its own copy of the
# fixture tree ($DIR/roots/NAME), so writes to one server never show up on another;
# $DIR/fixture is a pristine copy to compare against.
#
# FTPS: `start` makes a new CA and a server certificate for 127.0.0.1 and localhost signed by
# it ($DIR/tls/ca.pem, server.pem, server.key; SKIFF_TLS_CA in $DIR/env). vsftpd, pure-ftpd
# and proftpd offer AUTH TLS but don't require it (the plain-FTP tests use the same servers);
# vsftpd and proftpd keep requiring TLS session reuse on data connections (their default).
# A second pure-ftpd (pureftpd-tls, `-Y 2`) refuses clear text: SKIFF_PUREFTPD_TLS_URL. It
# serves the same home as the first pure-ftpd (pure-ftpd takes it from the passwd entry).
# proftpd also listens on a second port, a virtual host of the same daemon that requires TLS
# and speaks TLS 1.2 only (SKIFF_PROFTPD_TLS12_URL; same root as proftpd): all the servers
# otherwise negotiate TLS 1.3, whose session resumption works differently (tickets).
# Implicit FTPS: a second vsftpd (vsftpd-implicit, `implicit_ssl=YES`) speaks TLS from the first
# byte and requires it for logins and data (SKIFF_VSFTPD_IMPLICIT_URL, an ftps:// URL); it has a
# fixture tree of its own. `status` checks its greeting through `openssl s_client`.
#
# Active mode (PORT/EPRT): all of them accept it. vsftpd has `port_enable=YES` and
# `connect_from_port_20=NO` (its data connections come from an ephemeral port, not 20);
# pure-ftpd and proftpd accept PORT to the client's own address by default (pure-ftpd, as root,
# connects from port 20; proftpd from an ephemeral port).
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
export LC_ALL=C

DIR=${SKIFF_SERVERS_DIR:-/tmp/skiff-servers}
VSFTPD_PORT=${SKIFF_VSFTPD_PORT:-2121}
PUREFTPD_PORT=${SKIFF_PUREFTPD_PORT:-2122}
PROFTPD_PORT=${SKIFF_PROFTPD_PORT:-2123}
VSFTPD_PASV=${SKIFF_VSFTPD_PASV:-40000-40099}
PUREFTPD_PASV=${SKIFF_PUREFTPD_PASV:-40100-40199}
PROFTPD_PASV=${SKIFF_PROFTPD_PASV:-40200-40299}
PUREFTPD_TLS_PORT=${SKIFF_PUREFTPD_TLS_PORT:-2124}
PUREFTPD_TLS_PASV=${SKIFF_PUREFTPD_TLS_PASV:-40300-40399}
PROFTPD_TLS12_PORT=${SKIFF_PROFTPD_TLS12_PORT:-2125}
PROFTPD_TLS12_PASV=${SKIFF_PROFTPD_TLS12_PASV:-40400-40499}
VSFTPD_IMPLICIT_PORT=${SKIFF_VSFTPD_IMPLICIT_PORT:-2126}
VSFTPD_IMPLICIT_PASV=${SKIFF_VSFTPD_IMPLICIT_PASV:-40500-40599}

FTP_USER=skiffci
FTP_PASS=skiff-ci-pass
HOST=127.0.0.1

PKGS=$DIR/pkgs
RUN=$DIR/run          # pid files; root-owned 0755 (proftpd refuses world-writable dirs)
LOGS=$DIR/logs
ETC=$DIR/etc
ROOTS=$DIR/roots
TLS=$DIR/tls          # ca.pem, server.pem, server.key (made by `start`)
FIXTURE=$DIR/fixture
PAM_SERVICE=vsftpd-skiff

VSFTPD_BIN=$PKGS/vsftpd/usr/sbin/vsftpd
PUREFTPD_BIN=$PKGS/pure-ftpd/usr/sbin/pure-ftpd
PROFTPD_BIN=/usr/sbin/proftpd

SERVERS=(vsftpd pureftpd proftpd pureftpd-tls vsftpd-implicit)
# servers with a fixture tree of their own (pureftpd-tls shares pureftpd's home)
ROOTED=(vsftpd pureftpd proftpd vsftpd-implicit)

check_port() { [[ $2 =~ ^[0-9]+$ && $2 -ge 1 && $2 -le 65535 ]] || { echo "[servers.sh] ERROR: $1=$2 is not a port" >&2; exit 2; }; }
check_range() {
  [[ $2 =~ ^([0-9]+)-([0-9]+)$ && ${BASH_REMATCH[1]} -ge 1024 && ${BASH_REMATCH[1]} -le ${BASH_REMATCH[2]} &&
    ${BASH_REMATCH[2]} -le 65535 ]] || { echo "[servers.sh] ERROR: $1=$2 is not a port range LOW-HIGH" >&2; exit 2; }
}
check_port SKIFF_VSFTPD_PORT "$VSFTPD_PORT"
check_port SKIFF_PUREFTPD_PORT "$PUREFTPD_PORT"
check_port SKIFF_PROFTPD_PORT "$PROFTPD_PORT"
check_port SKIFF_PUREFTPD_TLS_PORT "$PUREFTPD_TLS_PORT"
check_port SKIFF_PROFTPD_TLS12_PORT "$PROFTPD_TLS12_PORT"
check_port SKIFF_VSFTPD_IMPLICIT_PORT "$VSFTPD_IMPLICIT_PORT"
check_range SKIFF_VSFTPD_PASV "$VSFTPD_PASV"
check_range SKIFF_PUREFTPD_PASV "$PUREFTPD_PASV"
check_range SKIFF_PROFTPD_PASV "$PROFTPD_PASV"
check_range SKIFF_PUREFTPD_TLS_PASV "$PUREFTPD_TLS_PASV"
check_range SKIFF_PROFTPD_TLS12_PASV "$PROFTPD_TLS12_PASV"
check_range SKIFF_VSFTPD_IMPLICIT_PASV "$VSFTPD_IMPLICIT_PASV"

log() { printf '[servers.sh] %s\n' "$*" >&2; }
die() { printf '[servers.sh] ERROR: %s\n' "$*" >&2; exit 1; }

need_root() { [[ $(id -u) -eq 0 ]] || die "must run as root"; }

# "server port variable" for every port we listen on (proftpd has two: its TLS 1.2 virtual
# host is part of the same daemon).
port_table() {
  echo "vsftpd $VSFTPD_PORT SKIFF_VSFTPD_PORT"
  echo "pureftpd $PUREFTPD_PORT SKIFF_PUREFTPD_PORT"
  echo "proftpd $PROFTPD_PORT SKIFF_PROFTPD_PORT"
  echo "proftpd $PROFTPD_TLS12_PORT SKIFF_PROFTPD_TLS12_PORT"
  echo "pureftpd-tls $PUREFTPD_TLS_PORT SKIFF_PUREFTPD_TLS_PORT"
  echo "vsftpd-implicit $VSFTPD_IMPLICIT_PORT SKIFF_VSFTPD_IMPLICIT_PORT"
}
ports_of() { port_table | awk -v s="$1" '$1 == s { print $2 }'; }
# process name as in /proc/PID/comm, to never signal a recycled pid
comm_of() {
  case $1 in
    vsftpd | vsftpd-implicit) echo vsftpd ;; pureftpd | pureftpd-tls) echo pure-ftpd ;;
    proftpd) echo proftpd ;;
  esac
}
pasv_lo() { echo "${1%-*}"; }
pasv_hi() { echo "${1#*-}"; }

# ---------------------------------------------------------------- install

pkg_installed() {
  [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true) == "install ok installed" ]]
}

APT_UPDATED=0
apt_update() {
  if [[ $APT_UPDATED -eq 0 ]]; then
    log "apt-get update"
    apt-get update -qq >&2
    APT_UPDATED=1
  fi
}
# Run apt-get update first if the lists don't know a package we need.
ensure_apt_lists() {
  local p
  for p in "$@"; do
    # (no `| grep -q` here: with pipefail, grep's early exit fails the pipeline)
    if [[ $(apt-cache policy "$p" 2>/dev/null || true) != *"Candidate: "[!\(]* ]]; then
      apt_update
      return
    fi
  done
}

apt_install() {
  local missing=() p
  for p in "$@"; do pkg_installed "$p" || missing+=("$p"); done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  ensure_apt_lists "${missing[@]}"
  log "apt-get install ${missing[*]}"
  # Keep maintainer scripts from starting system services (e.g. proftpd on port 21)
  # on machines that don't already have a policy-rc.d.
  local made_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  local rc=0
  apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}" </dev/null >&2 || rc=$?
  if [[ $rc -ne 0 && $APT_UPDATED -eq 0 ]]; then
    apt_update # stale lists (404s): refresh once and retry
    rc=0
    apt-get install -y -q --no-install-recommends \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
      "${missing[@]}" </dev/null >&2 || rc=$?
  fi
  [[ $made_policy -eq 1 ]] && rm -f /usr/sbin/policy-rc.d
  [[ $rc -eq 0 ]] || die "apt-get install ${missing[*]} failed"
}

first_deb() { # PKG -> path of its downloaded .deb
  local f
  for f in "$PKGS/debs/$1"_*.deb; do
    [[ -f $f ]] && { echo "$f"; return 0; }
  done
  return 1
}

# apt-get download PKG into $PKGS/debs and dpkg -x it into $PKGS/PKG (skipped when present).
extract_pkg() {
  local pkg=$1 bin=$2
  if [[ -x $bin ]]; then return 0; fi
  mkdir -p "$PKGS/debs"
  rm -f "$PKGS/debs/${pkg}"_*.deb
  ensure_apt_lists "$pkg"
  log "apt-get download $pkg"
  # -o APT::Sandbox::User=root: the _apt user can't write into a root-owned dir
  if ! (cd "$PKGS/debs" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2); then
    apt_update
    (cd "$PKGS/debs" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2) ||
      die "apt-get download $pkg failed"
  fi
  local deb
  deb=$(first_deb "$pkg") || die "no $pkg .deb in $PKGS/debs"
  rm -rf "$PKGS/$pkg.tmp"
  dpkg -x "$deb" "$PKGS/$pkg.tmp"
  rm -rf "${PKGS:?}/$pkg"
  mv "$PKGS/$pkg.tmp" "$PKGS/$pkg"
  [[ -x $bin ]] || die "$bin not found in $deb"
}

missing_libs() { ldd "$1" 2>/dev/null | awk '/not found/ {print $1}'; }

# Install the lib* packages an extracted .deb depends on, if ldd says something is missing.
ensure_libs() {
  local pkg=$1 bin=$2 missing
  missing=$(missing_libs "$bin")
  [[ -z $missing ]] && return 0
  log "$pkg: missing ${missing//$'\n'/ }"
  local deb deps
  if ! deb=$(first_deb "$pkg"); then
    (mkdir -p "$PKGS/debs" && cd "$PKGS/debs" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2)
    deb=$(first_deb "$pkg") || die "no $pkg .deb in $PKGS/debs"
  fi
  # "libc6 (>= 2.34), libwrap0 (>= 7.6-4~), a | b" -> lib package names (tr maps each of the
  # two characters to a newline, as meant)
  # shellcheck disable=SC2020
  deps=$(dpkg-deb -f "$deb" Depends | tr ',|' '\n\n' | sed -E 's/\(.*\)//; s/[[:space:]]//g' |
    grep -E '^lib' | sort -u)
  # shellcheck disable=SC2086
  apt_install $deps
  missing=$(missing_libs "$bin")
  [[ -z $missing ]] || die "$bin still misses: ${missing//$'\n'/ } (ldd $bin)"
}

PROFTPD_MODDIR=/usr/lib/proftpd
proftpd_tls_builtin() { [[ $("$PROFTPD_BIN" -l 2>/dev/null || true) == *mod_tls.c* ]]; }
proftpd_has_tls() { proftpd_tls_builtin || [[ -f $PROFTPD_MODDIR/mod_tls.so ]]; }

cmd_install() {
  need_root
  local t0=$SECONDS
  mkdir -p "$PKGS"
  chmod 0755 "$DIR" "$PKGS"
  apt_install proftpd-core lftp openssl
  # mod_tls: built in on older Debians, in proftpd-mod-crypto since Debian 12
  if ! proftpd_has_tls; then
    apt_install proftpd-mod-crypto
    proftpd_has_tls || die "proftpd has no mod_tls (neither built in nor $PROFTPD_MODDIR/mod_tls.so)"
  fi
  extract_pkg vsftpd "$VSFTPD_BIN"
  extract_pkg pure-ftpd "$PUREFTPD_BIN"
  ensure_libs vsftpd "$VSFTPD_BIN"
  ensure_libs pure-ftpd "$PUREFTPD_BIN"
  [[ -z $(missing_libs "$PROFTPD_BIN") ]] || die "proftpd misses libraries: $(missing_libs "$PROFTPD_BIN")"
  log "install done in $((SECONDS - t0)) s: $VSFTPD_BIN, $PUREFTPD_BIN, $PROFTPD_BIN, $(command -v lftp)"
}

# ---------------------------------------------------------------- start

ensure_user() {
  local home=$ROOTS/pureftpd
  grep -qx /bin/bash /etc/shells || echo /bin/bash >>/etc/shells
  if id "$FTP_USER" >/dev/null 2>&1; then
    if [[ $(getent passwd "$FTP_USER" | cut -d: -f6-7) != "$home:/bin/bash" ]]; then
      usermod -d "$home" -s /bin/bash "$FTP_USER"
    fi
  else
    useradd -M -d "$home" -s /bin/bash -c "skiff CI FTP user" "$FTP_USER"
  fi
  echo "$FTP_USER:$FTP_PASS" | chpasswd
}

make_fixture() {
  local f=$FIXTURE
  rm -rf "$f"
  mkdir -p "$f/dir with spaces" "$f/数据" "$f/sub/deeper"
  printf 'inner\n' >"$f/dir with spaces/inner.txt"
  printf 'cjk\n' >"$f/数据/文件.txt"
  printf 'hello\n' >"$f/hello.txt"
  head -c 4096 /dev/urandom >"$f/sub/deeper/x.bin"
  ln -s hello.txt "$f/link-to-hello"
  find "$f" -type d -exec chmod 0755 {} +
  find "$f" -type f -exec chmod 0644 {} +
  rm -rf "$ROOTS"
  mkdir -p "$ROOTS"
  chmod 0755 "$ROOTS"
  local s
  for s in "${ROOTED[@]}"; do
    cp -a "$f" "$ROOTS/$s"
    chown -R -h "$FTP_USER:" "$ROOTS/$s"
  done
}

# A throwaway CA and a server certificate signed by it, new on every start. rustls refuses a
# self-signed certificate that is its own CA (CaUsedAsEndEntity), hence CA + leaf. RSA keys:
# vsftpd's rsa_cert_file and proftpd's TLSRSACertificateFile want RSA.
make_certs() {
  command -v openssl >/dev/null || die "openssl is missing: run '$0 install' first"
  [[ -n $TLS && $TLS == "$DIR"/* ]] || die "bad TLS dir '$TLS'"
  rm -rf "$TLS"
  mkdir -p "$TLS"
  chmod 0755 "$TLS"
  printf '%s\n' 'basicConstraints=critical,CA:TRUE' 'keyUsage=critical,keyCertSign,cRLSign' \
    'subjectKeyIdentifier=hash' >"$TLS/ca.ext"
  printf '%s\n' 'basicConstraints=critical,CA:FALSE' \
    'keyUsage=critical,digitalSignature,keyEncipherment' 'extendedKeyUsage=serverAuth' \
    'subjectAltName=IP:127.0.0.1,DNS:localhost' 'subjectKeyIdentifier=hash' \
    'authorityKeyIdentifier=keyid' >"$TLS/server.ext"
  (
    set -e
    cd "$TLS"
    umask 077
    openssl genrsa -out ca.key 2048 2>/dev/null
    openssl req -new -key ca.key -subj "/CN=skiff CI throwaway CA" -out ca.csr
    openssl x509 -req -in ca.csr -signkey ca.key -days 30 -sha256 -extfile ca.ext -out ca.pem 2>/dev/null
    openssl genrsa -out server.key 2048 2>/dev/null
    openssl req -new -key server.key -subj "/CN=skiff CI server" -out server.csr
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -sha256 \
      -extfile server.ext -out server.pem 2>/dev/null
    openssl verify -CAfile ca.pem -purpose sslserver server.pem >/dev/null
    rm -f ca.csr server.csr ca.srl ca.ext server.ext
  ) || die "making the test certificates in $TLS failed"
  # The servers read the key as root when they start; certificates are public.
  chown root:root "$TLS/ca.key" "$TLS/ca.pem" "$TLS/server.key" "$TLS/server.pem"
  chmod 0600 "$TLS/ca.key" "$TLS/server.key"
  chmod 0644 "$TLS/ca.pem" "$TLS/server.pem"
  log "TLS: CA $TLS/ca.pem, server certificate $TLS/server.pem" \
    "($(openssl x509 -in "$TLS/server.pem" -noout -fingerprint -sha256))"
}

# vsftpd's configuration: NAME PORT PASV-RANGE IMPLICIT(YES|NO). Each instance has its own
# root ($ROOTS/NAME), passive ports and log; background=NO keeps the pid ours (see launch).
write_vsftpd_conf() {
  local name=$1 port=$2 pasv=$3 implicit=$4
  cat >"$ETC/$name.conf" <<VSFTPD_CONF
listen=YES
listen_ipv6=NO
listen_address=$HOST
listen_port=$port
background=NO
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
local_root=$ROOTS/$name
chroot_local_user=NO
pasv_enable=YES
pasv_min_port=$(pasv_lo "$pasv")
pasv_max_port=$(pasv_hi "$pasv")
# Active mode (PORT) too, connecting from an ephemeral port rather than 20.
port_enable=YES
connect_from_port_20=NO
seccomp_sandbox=NO
pam_service_name=$PAM_SERVICE
secure_chroot_dir=$DIR/vsftpd-empty
utf8_filesystem=YES
tcp_wrappers=NO
userlist_enable=NO
max_clients=0
max_per_ip=0
syslog_enable=NO
xferlog_enable=YES
xferlog_std_format=NO
log_ftp_protocol=YES
vsftpd_log_file=$LOGS/$name.log
# FTPS: optional on the explicit listener (force_*=NO keeps plain FTP working), required on the
# implicit one (TLS from the first byte, logins and data protected). Data connections must
# resume the control connection's TLS session (require_ssl_reuse=YES, vsftpd's default).
# 3.0.3's default cipher list is DES-CBC3-SHA alone, which rustls does not speak. vsftpd has no
# switch for TLS 1.2/1.3: it takes what OpenSSL negotiates (ssl_tlsv1 is about TLS 1.0 only).
ssl_enable=YES
rsa_cert_file=$TLS/server.pem
rsa_private_key_file=$TLS/server.key
implicit_ssl=$implicit
force_local_logins_ssl=$implicit
force_local_data_ssl=$implicit
allow_anon_ssl=NO
require_ssl_reuse=YES
ssl_ciphers=HIGH
ssl_sslv2=NO
ssl_sslv3=NO
debug_ssl=YES
VSFTPD_CONF
}

write_configs() {
  mkdir -p "$ETC" "$DIR/vsftpd-empty"
  chmod 0755 "$ETC" "$DIR/vsftpd-empty"

  cat >/etc/pam.d/$PAM_SERVICE <<'EOF'
# Written by skiff's tests/servers/servers.sh for its throwaway vsftpd.
auth     required pam_unix.so
account  required pam_unix.so
session  required pam_unix.so
EOF

  write_vsftpd_conf vsftpd "$VSFTPD_PORT" "$VSFTPD_PASV" NO
  write_vsftpd_conf vsftpd-implicit "$VSFTPD_IMPLICIT_PORT" "$VSFTPD_IMPLICIT_PASV" YES

  cat >"$ETC/proftpd.conf" <<EOF
ServerName          "skiff-ci proftpd"
ServerType          standalone
Port                $PROFTPD_PORT
DefaultAddress      $HOST
SocketBindTight     on
UseIPv6             off
User                nobody
Group               nogroup
PidFile             $RUN/proftpd.pid
ScoreboardFile      $RUN/proftpd.scoreboard
DelayTable          $RUN/proftpd.delay
SystemLog           $LOGS/proftpd.log
TransferLog         $LOGS/proftpd-xfer.log
LogFormat           skiffcmd "%t %a %u %r -> %s"
ExtendedLog         $LOGS/proftpd-commands.log ALL skiffcmd
WtmpLog             off
UseReverseDNS       off
<IfModule mod_ident.c>
  IdentLookups      off
</IfModule>
RequireValidShell   off
UseFtpUsers         off
DefaultChdir        $ROOTS/proftpd
AllowOverwrite      on
Umask               022
PassivePorts        $(pasv_lo "$PROFTPD_PASV") $(pasv_hi "$PROFTPD_PASV")
MaxInstances        100
EOF
  if ! proftpd_tls_builtin; then
    cat >>"$ETC/proftpd.conf" <<EOF
<IfModule mod_dso.c>
  ModulePath        $PROFTPD_MODDIR
  LoadModule        mod_tls.c
</IfModule>
EOF
  fi
  # Server checksums (HASH, XMD5, XSHA1, XSHA256…), where Debian ships the module.
  if [[ -f $PROFTPD_MODDIR/mod_digest.so ]]; then
    cat >>"$ETC/proftpd.conf" <<EOF
<IfModule mod_dso.c>
  ModulePath        $PROFTPD_MODDIR
  LoadModule        mod_digest.c
</IfModule>
<IfModule mod_digest.c>
  DigestEngine      on
</IfModule>
EOF
  fi
  # FTPS, optional. TLSOptions NoSessionReuseRequired is deliberately NOT set: data
  # connections must resume the control connection's TLS session (proftpd's default).
  cat >>"$ETC/proftpd.conf" <<EOF
<IfModule mod_tls.c>
  TLSEngine                 on
  TLSRequired               off
  TLSProtocol               TLSv1.2 TLSv1.3
  TLSRSACertificateFile     $TLS/server.pem
  TLSRSACertificateKeyFile  $TLS/server.key
  TLSVerifyClient           off
  TLSRenegotiate            none
  TLSLog                    $LOGS/proftpd-tls.log
</IfModule>
# The same root on a second port: TLS required, TLS 1.2 only (session IDs, not TLS 1.3
# tickets, on the data connections; reuse still required).
<VirtualHost $HOST>
  ServerName                "skiff-ci proftpd TLS 1.2"
  Port                      $PROFTPD_TLS12_PORT
  RequireValidShell         off
  UseFtpUsers               off
  WtmpLog                   off
  DefaultChdir              $ROOTS/proftpd
  AllowOverwrite            on
  Umask                     022
  PassivePorts              $(pasv_lo "$PROFTPD_TLS12_PASV") $(pasv_hi "$PROFTPD_TLS12_PASV")
  TransferLog               $LOGS/proftpd-tls12-xfer.log
  ExtendedLog               $LOGS/proftpd-tls12-commands.log ALL skiffcmd
  <IfModule mod_tls.c>
    TLSEngine               on
    TLSRequired             on
    TLSProtocol             TLSv1.2
    TLSRSACertificateFile   $TLS/server.pem
    TLSRSACertificateKeyFile $TLS/server.key
    TLSVerifyClient         off
    TLSRenegotiate          none
    TLSLog                  $LOGS/proftpd-tls12.log
  </IfModule>
</VirtualHost>
EOF
}

# Ports that speak TLS from the first byte (implicit FTPS).
implicit_port() { [[ $1 == "$VSFTPD_IMPLICIT_PORT" ]]; }

# Succeeds if something on 127.0.0.1:PORT sends a 220 greeting within 2 s (for an implicit-FTPS
# port: over TLS, with a certificate that the test CA vouches for).
greets() {
  if implicit_port "$1"; then
    greets_tls "$1"
    return
  fi
  # shellcheck disable=SC2016 # expanded by the inner bash, from its arguments
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    IFS= read -r -t 2 line <&3 || exit 1
    printf "QUIT\r\n" >&3 2>/dev/null || true
    [[ $line == 220* ]]' "$HOST" "$1" 2>/dev/null
}
greets_tls() {
  local out
  [[ -r $TLS/ca.pem ]] || return 1
  # -quiet implies -ign_eof: s_client ends when the server closes after QUIT (221).
  out=$(printf 'QUIT\r\n' | timeout 5 openssl s_client -connect "$HOST:$1" -servername localhost \
    -CAfile "$TLS/ca.pem" -verify_return_error -verify_ip "$HOST" -quiet 2>/dev/null) || true
  [[ $out == 220* ]]
}
# shellcheck disable=SC2016 # expanded by the inner bash, from its arguments
port_open() { timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$HOST" "$1" 2>/dev/null; }

# true if PID exists and is not a zombie (an orphan's zombie can linger until init reaps it)
proc_running() {
  local st
  st=$(sed -E 's/.*\) ([A-Za-z]).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $st && $st != Z && $st != X ]]
}

children_of() { # PID COMM -> pids of live children of PID named COMM
  local f rest
  for f in /proc/[0-9]*/stat; do
    rest=$(cat "$f" 2>/dev/null) || continue
    # "pid (comm) state ppid ..."
    [[ $rest =~ ^([0-9]+)\ \((.*)\)\ ([A-Za-z])\ ([0-9]+)\  ]] || continue
    [[ ${BASH_REMATCH[4]} == "$1" && ${BASH_REMATCH[2]} == "$2" && ${BASH_REMATCH[3]} != Z ]] &&
      echo "${BASH_REMATCH[1]}"
  done
  return 0
}

pid_alive() { # NAME -> prints pid if our pid file names a live process of that server
  local name=$1 pf=$RUN/$1.pid pid
  [[ -f $pf ]] || return 1
  pid=$(tr -dc 0-9 <"$pf")
  [[ -n $pid ]] && proc_running "$pid" || return 1
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$(comm_of "$name")" ]] || return 1
  echo "$pid"
}

show_logs() {
  local name=$1 f
  for f in "$LOGS/$name".* "$LOGS/$name"-*; do
    [[ -f $f ]] || continue
    echo "----- $f (last 40 lines) -----" >&2
    tail -n 40 "$f" >&2 || true
  done
}

launch() { # NAME CMD... : run in its own session, pid in $RUN/NAME.pid
  local name=$1; shift
  : >"$LOGS/$name.out"
  setsid "$@" </dev/null >>"$LOGS/$name.out" 2>&1 &
  echo $! >"$RUN/$name.pid"
}

cmd_start() {
  need_root
  [[ -x $VSFTPD_BIN && -x $PUREFTPD_BIN && -x $PROFTPD_BIN ]] ||
    die "servers not installed: run '$0 install' first"
  cmd_stop quiet

  mkdir -p "$RUN" "$LOGS"
  chown root:root "$DIR" "$RUN" "$LOGS"
  chmod 0755 "$DIR" "$RUN" "$LOGS"
  rm -f "$LOGS"/*

  local s port var
  while read -r s port var; do
    if port_open "$port"; then
      die "port $port (for $s) is already in use on $HOST; set $var"
    fi
  done < <(port_table)

  ensure_user
  make_fixture
  make_certs
  write_configs
  "$PROFTPD_BIN" -t -c "$ETC/proftpd.conf" >"$LOGS/proftpd.configtest" 2>&1 || {
    cat "$LOGS/proftpd.configtest" >&2
    die "proftpd rejected $ETC/proftpd.conf"
  }

  launch vsftpd "$VSFTPD_BIN" "$ETC/vsftpd.conf"
  # -Y 1: TLS optional; -Y 2: clear-text logins refused. -g: pid files of their own (the
  # default, /run/pure-ftpd.pid, would be shared by both).
  launch pureftpd "$PUREFTPD_BIN" -S "$HOST,$PUREFTPD_PORT" \
    -p "$(pasv_lo "$PUREFTPD_PASV"):$(pasv_hi "$PUREFTPD_PASV")" \
    -l unix -E -H -L 200000:10 -c 100 -C 100 \
    -g "$RUN/pureftpd.self.pid" -Y 1 -2 "$TLS/server.pem,$TLS/server.key"
  launch pureftpd-tls "$PUREFTPD_BIN" -S "$HOST,$PUREFTPD_TLS_PORT" \
    -p "$(pasv_lo "$PUREFTPD_TLS_PASV"):$(pasv_hi "$PUREFTPD_TLS_PASV")" \
    -l unix -E -H -L 200000:10 -c 100 -C 100 \
    -g "$RUN/pureftpd-tls.self.pid" -Y 2 -2 "$TLS/server.pem,$TLS/server.key"
  launch vsftpd-implicit "$VSFTPD_BIN" "$ETC/vsftpd-implicit.conf"
  # -n: stay in the foreground (pid is ours); it still writes its own PidFile.
  launch proftpd "$PROFTPD_BIN" -n -c "$ETC/proftpd.conf"

  local failed=() i ok
  for s in "${SERVERS[@]}"; do
    for port in $(ports_of "$s"); do
      ok=0
      for ((i = 0; i < 150; i++)); do # 150 x 0.1 s = 15 s
        if greets "$port"; then ok=1; break; fi
        pid_alive "$s" >/dev/null || break
        sleep 0.1
      done
      if [[ $ok -eq 1 ]] && pid_alive "$s" >/dev/null; then
        log "$s is up on $HOST:$port (pid $(pid_alive "$s"))"
      else
        log "$s did not greet with 220 on $HOST:$port"
        show_logs "$s"
        failed+=("$s:$port")
      fi
    done
  done
  if [[ ${#failed[@]} -gt 0 ]]; then
    cmd_stop quiet
    die "failed to start: ${failed[*]}"
  fi

  cat >"$DIR/env" <<EOF
SKIFF_VSFTPD_URL=ftp://$FTP_USER:$FTP_PASS@$HOST:$VSFTPD_PORT/
SKIFF_PUREFTPD_URL=ftp://$FTP_USER:$FTP_PASS@$HOST:$PUREFTPD_PORT/
SKIFF_PROFTPD_URL=ftp://$FTP_USER:$FTP_PASS@$HOST:$PROFTPD_PORT/
SKIFF_PUREFTPD_TLS_URL=ftpes://$FTP_USER:$FTP_PASS@$HOST:$PUREFTPD_TLS_PORT/
SKIFF_PROFTPD_TLS12_URL=ftpes://$FTP_USER:$FTP_PASS@$HOST:$PROFTPD_TLS12_PORT/
SKIFF_VSFTPD_IMPLICIT_URL=ftps://$FTP_USER:$FTP_PASS@$HOST:$VSFTPD_IMPLICIT_PORT/
SKIFF_TLS_CA=$TLS/ca.pem
SKIFF_VSFTPD_ROOT=$ROOTS/vsftpd
SKIFF_PUREFTPD_ROOT=$ROOTS/pureftpd
SKIFF_PROFTPD_ROOT=$ROOTS/proftpd
SKIFF_VSFTPD_IMPLICIT_ROOT=$ROOTS/vsftpd-implicit
SKIFF_FIXTURE_DIR=$FIXTURE
EOF
  chmod 0644 "$DIR/env"
  cat "$DIR/env"
}

# ---------------------------------------------------------------- stop / status

cmd_stop() {
  local quiet=${1:-}
  need_root
  local s pid i
  for s in "${SERVERS[@]}"; do
    if pid=$(pid_alive "$s"); then
      # vsftpd puts each connection in a session of its own: end those first, by id
      local kid
      for kid in $(children_of "$pid" "$(comm_of "$s")"); do
        kill -TERM -- "-$kid" 2>/dev/null || kill -TERM "$kid" 2>/dev/null || true
      done
      # its own session/process group (setsid): also ends the other per-connection children
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do
        proc_running "$pid" || break
        sleep 0.1
      done
      if proc_running "$pid"; then
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      fi
      [[ -n $quiet ]] || log "stopped $s (pid $pid)"
    else
      [[ -n $quiet ]] || log "$s was not running"
    fi
    rm -f "$RUN/$s.pid"
  done
  rm -f "$RUN/proftpd.scoreboard" "$RUN/proftpd.scoreboard.lck" "$RUN/proftpd.delay" \
    "$RUN"/pureftpd*.self.pid
}

cmd_status() {
  local s pid port rc=0
  for s in "${SERVERS[@]}"; do
    if pid=$(pid_alive "$s"); then
      for port in $(ports_of "$s"); do
        if greets "$port"; then
          echo "$s: running (pid $pid) on $HOST:$port, greets 220"
        else
          echo "$s: running (pid $pid) but $HOST:$port does not greet 220"
          rc=1
        fi
      done
    else
      echo "$s: stopped"
      rc=1
    fi
  done
  [[ -f $DIR/env ]] && echo "env file: $DIR/env"
  return $rc
}

case ${1:-} in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 {install|start|stop|status}" >&2
    exit 2
    ;;
esac
