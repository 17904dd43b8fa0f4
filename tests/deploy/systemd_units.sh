#!/usr/bin/env bash
# Installs the systemd units with scripts/install-systemd --root into a temporary directory and checks them
# with `systemd-analyze verify` (no running systemd needed): any message fails the test. It also checks that
# the shared hardening drop-in reaches every unit, from systemd's own dump of the loaded units.
#
#   tests/deploy/systemd_units.sh PATH/TO/hft
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib/common.sh"

hft=${1:?usage: systemd_units.sh PATH/TO/hft}
command -v systemd-analyze >/dev/null || die "systemd-analyze is missing; install the systemd package"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

"$HFT_REPO/scripts/install-systemd" --root "$root" --binary "$hft" >"$root/install.log" ||
  die "scripts/install-systemd --root failed: $(cat "$root/install.log")"
for file in etc/hft/config.yml etc/hft/hft.env usr/local/bin/hft; do
  [[ -e $root/$file ]] || die "scripts/install-systemd did not install /$file"
done
[[ $(stat -c %a "$root/etc/hft/hft.env") == 600 ]] || die "/etc/hft/hft.env must be mode 600 (it holds secrets)"
[[ $(stat -c %a "$root/etc/hft/config.yml") == 640 ]] || die "/etc/hft/config.yml must be mode 640"
echo "edited" >>"$root/etc/hft/config.yml"
"$HFT_REPO/scripts/install-systemd" --root "$root" --binary "$hft" >/dev/null
grep -q '^edited$' "$root/etc/hft/config.yml" || die "a second install overwrote the edited /etc/hft/config.yml"

# systemd-analyze loads units from SYSTEMD_UNIT_PATH (the trailing ":" keeps the system's own targets),
# and runs ExecStart's binary check against the real file system: point ExecStart at the installed copy.
units=$root/etc/systemd/system
sed -i "s#/usr/local/bin/hft#$root/usr/local/bin/hft#" "$units"/*.service
names=()
for unit in "$units"/*.service; do
  name=$(basename "$unit")
  [[ $name == *@.service ]] && name=${name/@/@market_data}
  names+=("$name")
done
messages=$(SYSTEMD_UNIT_PATH="$units:" systemd-analyze verify --man=no "${names[@]}" 2>&1) ||
  die "systemd-analyze verify failed: $messages"
[[ -z $messages ]] || die "systemd-analyze verify warns: $messages"

dump=$(SYSTEMD_UNIT_PATH="$units:" SYSTEMD_LOG_LEVEL=debug systemd-analyze verify --man=no "${names[@]}" 2>&1)
for name in "${names[@]}"; do
  section=$(sed -n "/-> Unit $name:/,/-> Unit /p" <<<"$dump")
  for setting in "DropIn Path: $units/hft-.service.d/10-hardening.conf" "User: hft" "ProtectSystem: strict" \
                 "PrivateTmp: yes" "ProtectHome: yes" "Restart: on-failure" "TimeoutStopSec: 45s" \
                 "EnvironmentFile: /etc/hft/hft.env" "Environment: HFT_CONFIG=/etc/hft/config.yml"; do
    grep -qF "$setting" <<<"$section" || die "systemd does not see \"$setting\" in $name"
  done
done
# systemd 252's dump leaves NoNewPrivileges out; the drop-in every unit loads (checked above) sets it.
grep -qx 'NoNewPrivileges=yes' "$units/hft-.service.d/10-hardening.conf" || die "the drop-in lacks NoNewPrivileges=yes"
say "ok: ${#names[@]} units verified (${names[*]})"
