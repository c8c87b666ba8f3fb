#!/usr/bin/env bash
# The Python tools the contract and console checks drive, pinned, in .venv-tools:
# schemathesis (the OpenAPI contract) and selenium (headless Chromium for the console).
# Prints the venv's path; a no-op when already in place.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${TOOLS_VENV:-.venv-tools}
packages="schemathesis==4.32.5 selenium==4.51.0"
stamp="$venv/.installed-$(echo "$packages" | sha256sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  python3 -m venv "$venv" >&2
  # shellcheck disable=SC2086
  "$venv/bin/pip" install -q --disable-pip-version-check $packages >&2
  touch "$stamp"
fi
echo "$venv"
