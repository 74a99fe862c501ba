#!/bin/sh
# Installs valgrind (for `npm run bench -- --instructions`) when it is missing: apt-get on
# Debian/Ubuntu, as root or through sudo. Anything else: install valgrind by hand.
set -e
if command -v valgrind >/dev/null 2>&1; then
  valgrind --version
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "valgrind is missing and apt-get is not available: install valgrind with your package manager" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
$SUDO apt-get update
$SUDO apt-get install -y valgrind
valgrind --version
