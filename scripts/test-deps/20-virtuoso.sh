#!/usr/bin/env bash
# Virtuoso 7 (Debian virtuoso-opensource) for the remote-store tests; the tests start their own
# instance on 127.0.0.1 with a temporary database, so the packaged service is not needed.
set -euo pipefail
command -v virtuoso-t >/dev/null && exit 0
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q virtuoso-opensource; then
    apt-get update -q
    apt-get install -y -q virtuoso-opensource
fi
# The package starts a default instance on ports 1111/8890; the tests don't use it.
if command -v service >/dev/null; then service virtuoso-opensource-7 stop >/dev/null 2>&1 || true; fi
