#!/usr/bin/env bash
# Installs `prometheus` and `promtool` for the monitoring-kit tests (test/kit/).
#
# Idempotent: does nothing when both are already on PATH. Otherwise installs Debian's
# `prometheus` package (which ships both binaries). The tests start their own Prometheus
# on a loopback port with a temporary config, so the package's system service must not be
# left running: a policy-rc.d that refuses service starts is in force for the duration of
# the install, and a service that started anyway (systemd hosts ignore policy-rc.d for some
# paths) is stopped and disabled afterwards.
#
# Needs root on Debian/Ubuntu (CI runs it as root). Usage: bash scripts/install-prometheus.sh
set -euo pipefail

if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
  echo "install-prometheus: already installed: $(prometheus --version 2>&1 | head -n 1)"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-prometheus: apt-get not found; install prometheus and promtool by hand" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-prometheus: must run as root (or with sudo available)" >&2
    exit 1
  fi
fi

# Refuse service starts while the package installs (invoke-rc.d honours exit code 101),
# unless the host already has its own policy, which we then leave alone.
POLICY=/usr/sbin/policy-rc.d
OWN_POLICY=0
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
  $SUDO chmod 755 "$POLICY"
  OWN_POLICY=1
fi
cleanup() { if [ "$OWN_POLICY" = 1 ]; then $SUDO rm -f "$POLICY"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
# No recommends: prometheus-node-exporter would be another service we do not want.
$SUDO apt-get install -y --no-install-recommends prometheus

# Whatever the init system did, leave no packaged Prometheus running.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --now prometheus >/dev/null 2>&1 || true
elif [ -x /etc/init.d/prometheus ]; then
  $SUDO /etc/init.d/prometheus stop >/dev/null 2>&1 || true
fi

echo "install-prometheus: installed: $(prometheus --version 2>&1 | head -n 1)"
echo "install-prometheus: promtool: $(promtool --version 2>&1 | head -n 1)"
