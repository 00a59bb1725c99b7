#!/usr/bin/env bash
# Runs a command inside a hermetic environment with a real Secret Service:
# a temporary HOME, a private D-Bus session and an unlocked gnome-keyring `login` collection.
# Tests that need "no D-Bus" or "locked keyring" start their own children from here.
set -euo pipefail
if [ "${FV_KEYRING_READY:-}" = 1 ]; then exec "$@"; fi
for tool in dbus-run-session gnome-keyring-daemon; do
  command -v "$tool" >/dev/null || { echo "with-keyring: $tool is missing (apt-get install dbus gnome-keyring)" >&2; exit 2; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fieldvault-test.XXXXXX")
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
export FV_TEST_HOME="$tmp"
export HOME="$tmp/home" XDG_DATA_HOME="$tmp/home/.local/share" XDG_CONFIG_HOME="$tmp/home/.config" \
  XDG_CACHE_HOME="$tmp/home/.cache" XDG_RUNTIME_DIR="$tmp/run"
mkdir -p "$HOME" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
mkdir -p -m700 "$XDG_RUNTIME_DIR"
export FV_KEYRING_READY=1
# The keyring password must be non-empty, or no `login` collection is created. --daemonize and the
# stderr redirect matter: otherwise the daemon keeps the command substitution's pipe open forever.
status=0
dbus-run-session -- sh -c '
  eval "$(printf fieldvault-test | gnome-keyring-daemon --daemonize --unlock --components=secrets 2>/dev/null)"
  export GNOME_KEYRING_CONTROL
  "$@"
  status=$?
  # Stop only the daemon of this run: it carries our private XDG_RUNTIME_DIR in its environment.
  for pid in $(pgrep -x gnome-keyring-d 2>/dev/null); do
    if tr "\0" "\n" 2>/dev/null < /proc/$pid/environ | grep -qxF "XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR"; then kill "$pid" 2>/dev/null || true; fi
  done
  exit $status
' sh "$@" || status=$?
exit $status
