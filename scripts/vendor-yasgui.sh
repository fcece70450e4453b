#!/usr/bin/env bash
# Vendor the YASGUI query UI (npm @zazuko/yasgui, pinned) into hcn_ld/web/static/yasgui/ so the
# SPARQL page works with no internet. Idempotent: does nothing when the pinned version is there.
set -euo pipefail
VERSION=4.6.2
HERE=$(cd "$(dirname "$0")/.." && pwd)
TARGET="$HERE/hcn_ld/web/static/yasgui"
CACHE="${HCN_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hcn-ld/yasgui-$VERSION}"
if [ -f "$TARGET/VERSION" ] && [ "$(cat "$TARGET/VERSION")" = "$VERSION" ]; then
    exit 0
fi
if [ ! -f "$CACHE/node_modules/@zazuko/yasgui/build/yasgui.min.js" ]; then
    if ! command -v npm >/dev/null; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y --no-install-recommends npm >/dev/null 2>&1 || {
            apt-get update >/dev/null
            apt-get install -y --no-install-recommends npm >/dev/null
        }
    fi
    mkdir -p "$CACHE"
    npm install --prefix "$CACHE" --no-audit --no-fund --silent "@zazuko/yasgui@$VERSION" >&2
fi
DIST="$CACHE/node_modules/@zazuko/yasgui/build"
mkdir -p "$TARGET"
cp "$DIST/yasgui.min.js" "$DIST/yasgui.min.css" "$TARGET/"
cp "$CACHE/node_modules/@zazuko/yasgui/LICENSE" "$TARGET/LICENSE" 2>/dev/null || true
echo "$VERSION" > "$TARGET/VERSION"
echo "vendored @zazuko/yasgui $VERSION into $TARGET" >&2
