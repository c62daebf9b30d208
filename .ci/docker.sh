#!/usr/bin/env bash
# Make a Docker daemon available for the sandbox: install docker.io + debootstrap from Debian if missing,
# start dockerd in the background when no daemon answers, wait for it. Safe to run any number of times.
set -euo pipefail

WAIT_S="${DOCKER_WAIT_S:-60}"
LOG="${DOCKERD_LOG:-/var/log/dockerd.log}"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
if [ "${#need[@]}" -gt 0 ]; then
  echo "[docker.sh] installing: ${need[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if docker info >/dev/null 2>&1; then
  echo "[docker.sh] docker daemon already running"
  exit 0
fi

echo "[docker.sh] starting dockerd (log: $LOG)"
# setsid + nohup: the daemon must outlive this script and the shell that ran it.
as_root setsid nohup dockerd >"$LOG" 2>&1 < /dev/null &

for _ in $(seq 1 "$WAIT_S"); do
  if docker info >/dev/null 2>&1; then
    echo "[docker.sh] docker daemon is up"
    exit 0
  fi
  sleep 1
done
echo "[docker.sh] dockerd did not answer within ${WAIT_S}s; last log lines:" >&2
tail -n 30 "$LOG" >&2 || true
exit 1
