#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine that already has the
# .NET SDK and Node/npm: Debian packages (PostgreSQL, Chromium) and the npm packages of the
# Node tooling folders. Safe to re-run; it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# openssh-server/-client and sshpass: the support-host SSH tests start a real sshd (SshAccessTests).
apt_packages=(postgresql chromium openssh-server openssh-client sshpass)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Every folder with a package-lock.json is a Node tool the tests use; install it exactly.
while IFS= read -r lock; do
  dir=$(dirname "$lock")
  if [ ! -d "$dir/node_modules" ] || [ "$lock" -nt "$dir/node_modules" ]; then
    echo "Installing npm packages in $dir"
    (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  fi
done < <(git ls-files '*package-lock.json' | grep -v node_modules)

echo "Test prerequisites are installed."
