#!/usr/bin/env bash
# Install (when missing) and start PostgreSQL and/or Redis on loopback for tests and demos.
# Usage: scripts/services-up.sh [postgresql] [redis]
set -euo pipefail
want=("$@"); [ ${#want[@]} -eq 0 ] && want=(postgresql redis)
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

apt_install() {
  if [ ! -f /var/lib/apt/periodic/.servicescore-updated ]; then
    $SUDO apt-get update -qq && $SUDO mkdir -p /var/lib/apt/periodic && $SUDO touch /var/lib/apt/periodic/.servicescore-updated
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

for service in "${want[@]}"; do
  case "$service" in
    postgresql)
      command -v pg_ctlcluster >/dev/null && ls /etc/postgresql/*/main >/dev/null 2>&1 || apt_install postgresql
      version=$(ls /etc/postgresql | sort -V | tail -n 1)
      hba=/etc/postgresql/$version/main/pg_hba.conf
      if ! $SUDO grep -q "servicescore: trust loopback" "$hba"; then
        $SUDO sed -i '1i # servicescore: trust loopback (tests only)\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
        $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main reload 2>/dev/null || true
      fi
      if ! pg_isready -q -h 127.0.0.1 -p 5432; then
        $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start
      fi
      for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
      pg_isready -h 127.0.0.1 -p 5432
      ;;
    redis)
      command -v redis-server >/dev/null || apt_install redis-server
      if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
        redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save ""
      fi
      for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
      redis-cli -h 127.0.0.1 -p 6379 ping
      ;;
    *) echo "unknown service: $service" >&2; exit 2 ;;
  esac
done
