#!/usr/bin/env bash
# Puts a real VS Code (code-server) on this machine for the extension's end-to-end run,
# using only the npm registry and Debian's packages: nothing is downloaded from anywhere
# else, so it works on a machine that reaches nothing but the package registries.
#
#   client-vscode/e2e/install-code-server.sh [DEST]   (default: ~/.cache/loopwright-code-server)
#
# Then `DEST/code-server --auth none --bind-addr 127.0.0.1:PORT FOLDER` serves VS Code on
# loopback; e2e/run.mjs drives it with playwright-core in Debian's /usr/bin/chromium.
# Idempotent: a working install at DEST is left as it is.
set -euo pipefail

CODE_SERVER_VERSION=4.100.3   # VS Code 1.100; the newest release whose engine is Node 20
DEST=${1:-$HOME/.cache/loopwright-code-server}
DEBIAN_PACKAGES=(ripgrep chromium pkg-config libkrb5-dev libsecret-1-dev libxkbfile-dev libx11-dev)

say() { echo "install-code-server: $*" >&2; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo none)
if [[ $node_major != 20 ]]; then
  say "code-server $CODE_SERVER_VERSION needs Node 20; found: $node_major"
  exit 2
fi

if [[ -x $DEST/code-server ]] && "$DEST/code-server" --version >/dev/null 2>&1; then
  say "already installed at $DEST"
  exit 0
fi

# ripgrep (VS Code's search) and Chromium (the browser the test drives) come from Debian,
# as do the headers the native modules below are compiled against.
missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} )); then
  if [[ $(id -u) != 0 ]]; then
    say "needs these Debian packages (run as root, or install them): ${missing[*]}"
    exit 2
  fi
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q "${missing[@]}" >/dev/null
fi

mkdir -p "$DEST"
cd "$DEST"
[[ -f package.json ]] || printf '{"name": "loopwright-code-server", "private": true}\n' > package.json

# The package's own install scripts fetch a ripgrep binary from outside the registries,
# so none of them runs; the native modules they would have built are built here instead.
say "installing code-server $CODE_SERVER_VERSION from the npm registry"
npm install --ignore-scripts --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" >/dev/null
# argon2 ships prebuilt binaries for other platforms' glibc: compile it here instead.
npm_config_build_from_source=true npm rebuild argon2 >/dev/null 2>&1
# node-pty's post-install runs `npx node-gyp`, which would stop to ask before fetching it.
export npm_config_yes=true

vscode=node_modules/code-server/lib/vscode
(cd "$vscode" && npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
(cd "$vscode" && npm rebuild kerberos node-pty @parcel/watcher @vscode/spdlog native-watchdog \
  @vscode/deviceid >/dev/null)
mkdir -p "$vscode/node_modules/@vscode/ripgrep/bin"
cp "$(command -v rg)" "$vscode/node_modules/@vscode/ripgrep/bin/rg"
# Paths the release tarball has and the npm package lacks.
ln -sfn node_modules "$vscode/node_modules.asar"
ln -sfn code-linux.sh "$vscode/bin/remote-cli/code-server"
ln -sfn browser-linux.sh "$vscode/bin/helpers/browser.sh"

cat > "$DEST/code-server" <<EOF
#!/bin/sh
exec node "$DEST/node_modules/code-server/out/node/entry.js" "\$@"
EOF
chmod +x "$DEST/code-server"
"$DEST/code-server" --version >/dev/null
say "installed at $DEST"
