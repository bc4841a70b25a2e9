#!/usr/bin/env bash
# Install the Debian packages the test suite needs, only those missing:
# chromium (browser tests), fonts-noto-cjk (Chinese glyphs in screenshots and PDFs),
# postgresql (the production database, started on loopback by with-postgres.sh),
# libreoffice-writer-nogui + poppler-utils (documents opened by a real reader).
set -euo pipefail
packages=(chromium fonts-noto-cjk postgresql libreoffice-writer-nogui poppler-utils)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
