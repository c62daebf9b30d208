#!/usr/bin/env bash
# Make a Vulkan CPU driver (lavapipe) available for the webgpu backend's tests.
# Dawn (npm `webgpu`) rejects bookworm's Mesa 22 lavapipe, so Mesa 25's mesa-vulkan-drivers comes from
# bookworm-backports, together with the Vulkan loader (libvulkan1). Safe to run any number of times.
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

BACKPORTS_LIST=/etc/apt/sources.list.d/bookworm-backports.sources
MIN_MESA_MAJOR="${LAVAPIPE_MIN_MESA_MAJOR:-24}"

mesa_major() {
  dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | sed -E 's/^([0-9]+:)?([0-9]+)\..*/\2/' || true
}

have_icd() { ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1; }

have_loader() { dpkg-query -W -f='${Status}' libvulkan1 2>/dev/null | grep -q 'install ok installed'; }

cur="$(mesa_major)"
if [ -n "$cur" ] && [ "$cur" -ge "$MIN_MESA_MAJOR" ] && have_icd && have_loader; then
  echo "[lavapipe.sh] mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers) and libvulkan1 already installed"
  exit 0
fi

# bookworm-backports in deb822 form, unless some apt source already names it.
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "[lavapipe.sh] adding bookworm-backports to apt sources ($BACKPORTS_LIST)"
  as_root tee "$BACKPORTS_LIST" >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

echo "[lavapipe.sh] installing mesa-vulkan-drivers (bookworm-backports) and libvulkan1"
# Other installs (e.g. .ci/docker.sh) may hold the dpkg lock: wait for it rather than fail.
as_root apt-get -o DPkg::Lock::Timeout=600 update -qq
DEBIAN_FRONTEND=noninteractive as_root apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
  -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null

cur="$(mesa_major)"
if [ -z "$cur" ] || [ "$cur" -lt "$MIN_MESA_MAJOR" ]; then
  echo "[lavapipe.sh] mesa-vulkan-drivers is ${cur:-missing}; expected >= $MIN_MESA_MAJOR from bookworm-backports (Dawn rejects bookworm's Mesa 22)" >&2
  exit 1
fi
if ! have_icd; then
  echo "[lavapipe.sh] no lavapipe ICD json under /usr/share/vulkan/icd.d after install" >&2
  exit 1
fi
echo "[lavapipe.sh] ready: mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
