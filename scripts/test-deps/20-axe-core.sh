#!/usr/bin/env bash
# axe-core (npm) for the browser accessibility tests, into a cache folder the tests read:
# ${HCN_TEST_CACHE:-$HOME/.cache/hcn-ld}/axe-core/node_modules/axe-core/axe.min.js
set -euo pipefail
dir="${HCN_TEST_CACHE:-$HOME/.cache/hcn-ld}/axe-core"
if [ -f "$dir/node_modules/axe-core/axe.min.js" ]; then
    exit 0
fi
if ! command -v npm >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends npm >/dev/null 2>&1 || {
        apt-get -o DPkg::Lock::Timeout=600 update >/dev/null
        apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends npm >/dev/null
    }
fi
mkdir -p "$dir"
npm install --prefix "$dir" --no-audit --no-fund --silent axe-core@4.10.3
test -f "$dir/node_modules/axe-core/axe.min.js"
