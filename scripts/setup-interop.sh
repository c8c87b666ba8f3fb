#!/usr/bin/env bash
# Virtualenvs with the providers' own SDKs, which the interop tests use to sign requests
# (Tests/Interop/sign.py). Pinned, and a no-op when already in place.
#   .venv-interop     twilio, vonage 4 (HMAC signatures), standardwebhooks, PyJWT (Vonage Voice JWTs)
#   .venv-interop-v3  vonage 3, the last SDK with Vonage's legacy "MD5 hash" signatures
set -euo pipefail
cd "$(dirname "$0")/.."
make_venv() {
  local dir=$1; shift
  local stamp="$dir/.installed-$(echo "$*" | sha256sum | cut -c1-12)"
  [ -f "$stamp" ] && return 0
  echo "setting up $dir: $*"
  python3 -m venv "$dir"
  "$dir/bin/pip" install -q --disable-pip-version-check "$@"
  touch "$stamp"
}
make_venv .venv-interop twilio==9.13.0 vonage==4.9.1 standardwebhooks==1.1.0 pyjwt==2.15.1
make_venv .venv-interop-v3 vonage==3.18.0
# The example transcriber's engine (Plugins/examples/transcribe-pocketsphinx.py): the wheel
# ships its English model, so it runs offline.
make_venv .venv-stt pocketsphinx==5.1.1
