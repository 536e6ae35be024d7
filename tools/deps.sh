#!/usr/bin/env bash
# Installs every Debian 12 package bolt needs to build, test and benchmark. Idempotent.
set -euo pipefail
PKGS=(
  # build
  meson ninja-build pkg-config gcc clang lld libc6-dev
  libjansson-dev libcurl4-openssl-dev libarchive-dev libssl-dev libseccomp-dev libcap-dev
  libmnl-dev libcmocka-dev libclang-rt-14-dev libyaml-dev
  # tests and benchmarks: real peers
  bats busybox-static crun runc podman skopeo umoci docker-registry containerd
  python3 python3-jsonschema apache2-utils curl jq iproute2 util-linux procps
  zstd  # image tests build zstd layers
  hyperfine gcc-multilib
  chromium  # gaming performance --report: the HTML is checked in headless chromium
  xvfb x11-utils xauth pulseaudio pulseaudio-utils  # gaming audio/display tests: real servers
  weston wayland-utils pipewire pipewire-bin  # headless weston + wayland-info, a PipeWire daemon + pw-cli/pw-cat
  dbus-daemon python3-dbus python3-gi libsystemd0  # systemd cgroup driver tests: a private bus + systemd mock
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# docker-registry's package starts a system service; bolt's tests start their own instances.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active -q docker-registry 2>/dev/null; then
  systemctl stop docker-registry || true
fi
