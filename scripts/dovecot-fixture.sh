#!/usr/bin/env bash
# A throwaway Dovecot for the IMAP tests and bench: its own config, users, maildirs, logs
# and TLS certificate under $DOVECOT_ROOT; never touches /etc/dovecot.
#   scripts/dovecot-fixture.sh start   # prints PORT, TLS_PORT, CA and PID lines
#   scripts/dovecot-fixture.sh stop
# Env: DOVECOT_ROOT (/tmp/dovecot-fixture), DOVECOT_PORT (14143), DOVECOT_TLS_PORT (14993),
#      DOVECOT_USERS ("alice:alicepw bob:bobpw"), DOVECOT_FRESH=1 wipes mail and state first,
#      DOVECOT_OAUTH_PORT (PORT + 20000): XOAUTH2/OAUTHBEARER tokens are checked by a local
#      introspection endpoint (scripts/oauth2-introspection.py) against $DOVECOT_ROOT/tokens,
#      lines of "<token> <user>".
set -euo pipefail
ROOT=${DOVECOT_ROOT:-/tmp/dovecot-fixture}
PORT=${DOVECOT_PORT:-14143}
TLS_PORT=${DOVECOT_TLS_PORT:-14993}
USERS=${DOVECOT_USERS:-"alice:alicepw bob:bobpw"}
CONF="$ROOT/dovecot.conf"
OAUTH_PORT=${DOVECOT_OAUTH_PORT:-$((PORT + 20000))}

# Replaces the current (sub)shell with a command that has only stdin, stdout and stderr
# open. The caller is often a test process holding pipes to other children; a daemon that
# inherited one end would keep that child from ever seeing end-of-file (a CI run hung so).
# Run it in a subshell: ( exec_without_inherited_fds cmd ... ).
exec_without_inherited_fds() {
  for fd in /proc/self/fd/*; do
    fd=${fd##*/}
    if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
  exec "$@"
}

stop() {
  if [ -f "$CONF" ]; then dovecot -c "$CONF" stop 2>/dev/null || true; fi
  if [ -f "$ROOT/run/introspection.pid" ]; then kill "$(cat "$ROOT/run/introspection.pid")" 2>/dev/null || true; rm -f "$ROOT/run/introspection.pid"; fi
  for _ in $(seq 50); do [ -f "$ROOT/run/master.pid" ] && kill -0 "$(cat "$ROOT/run/master.pid")" 2>/dev/null || break; sleep 0.1; done
}

if [ "${1:-start}" = stop ]; then stop; exit 0; fi

command -v dovecot >/dev/null || "$(dirname "$0")/install-packages.sh" dovecot-imapd
stop
[ "${DOVECOT_FRESH:-0}" = 1 ] && rm -rf "$ROOT"
mkdir -p "$ROOT/run" "$ROOT/mail" "$ROOT/tls"
: > "$ROOT/users"
for entry in $USERS; do
  echo "${entry%%:*}:{PLAIN}${entry#*:}::::::" >> "$ROOT/users"
  mkdir -p "$ROOT/mail/${entry%%:*}/Maildir/"{new,cur,tmp}
done
chmod -R a+rwX "$ROOT/mail"

# A private CA and a server certificate for 127.0.0.1/localhost, made once per root.
if [ ! -f "$ROOT/tls/server.pem" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=ListeningPost test CA" \
    -keyout "$ROOT/tls/ca.key" -out "$ROOT/tls/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$ROOT/tls/server.key" -out "$ROOT/tls/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$ROOT/tls/ext.cnf"
  openssl x509 -req -in "$ROOT/tls/server.csr" -CA "$ROOT/tls/ca.pem" -CAkey "$ROOT/tls/ca.key" -CAcreateserial \
    -days 3650 -extfile "$ROOT/tls/ext.cnf" -out "$ROOT/tls/server.pem" 2>/dev/null
  chmod 644 "$ROOT/tls/"*.pem "$ROOT/tls/server.key"
fi

rootless=""
if [ "$(id -u)" != 0 ]; then
  me=$(id -un); group=$(id -gn)
  rootless="default_internal_user = $me
default_login_user = $me
default_internal_group = $group
service anvil { chroot = }
service imap-login { chroot = }"
fi

cat > "$CONF" <<CONF
instance_name = dovecot-fixture
base_dir = $ROOT/run
state_dir = $ROOT/state
log_path = $ROOT/dovecot.log
info_log_path = $ROOT/dovecot.log
debug_log_path = $ROOT/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <$ROOT/tls/server.pem
ssl_key = <$ROOT/tls/server.key
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
passdb {
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u $ROOT/users
}
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $ROOT/oauth2.conf.ext
}
userdb {
  driver = static
  args = uid=$( [ "$(id -u)" = 0 ] && echo nobody || id -un ) gid=$( [ "$(id -u)" = 0 ] && echo nogroup || id -gn ) home=$ROOT/mail/%u
}
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  mailbox Processed {
    auto = create
  }
}
service imap-login {
  inet_listener imap {
    port = $PORT
  }
  inet_listener imaps {
    port = $TLS_PORT
    ssl = yes
  }
}
$rootless
CONF
cat > "$ROOT/oauth2.conf.ext" <<OAUTH
introspection_mode = post
introspection_url = http://127.0.0.1:$OAUTH_PORT/introspect
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
OAUTH
touch "$ROOT/tokens"
# The subshell records its own pid: exec keeps it, so stop() kills the endpoint itself.
(
  echo "$BASHPID" > "$ROOT/run/introspection.pid"
  exec_without_inherited_fds python3 "$(dirname "$0")/oauth2-introspection.py" "$ROOT/tokens" "$OAUTH_PORT"
) >/dev/null 2>&1 &
mkdir -p "$ROOT/state"
( exec_without_inherited_fds dovecot -c "$CONF" )
for _ in $(seq 100); do
  if exec 3<>"/dev/tcp/127.0.0.1/$PORT" 2>/dev/null; then
    read -r -t 2 greeting <&3 || true
    exec 3<&-
    case "$greeting" in "* OK"*) break ;; esac
  fi
  sleep 0.1
done
echo "PID $(cat "$ROOT/run/master.pid")"
echo "PORT $PORT"
echo "TLS_PORT $TLS_PORT"
echo "CA $ROOT/tls/ca.pem"
