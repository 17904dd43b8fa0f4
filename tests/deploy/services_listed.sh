#!/usr/bin/env bash
# Every subcommand the built hft offers is deployed: a systemd unit and a compose service each (migrate as
# hft-migrate@.service and one compose job per database), and each compose healthcheck probes the
# operations port config.yml.example gives that service. Catches a new service nobody packaged.
#
#   tests/deploy/services_listed.sh PATH/TO/hft
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib/common.sh"

hft=${1:?usage: services_listed.sh PATH/TO/hft}
compose=$HFT_REPO/deploy/compose.yaml
units=$HFT_REPO/deploy/systemd
subcommands=$("$hft" --help | sed -n '/^Subcommands:/,$p' | awk 'NR > 1 && NF {print $1}')
[[ -n $subcommands ]] || die "$hft --help lists no subcommands"

for subcommand in $subcommands; do
  if [[ $subcommand == migrate ]]; then
    [[ -f $units/hft-migrate@.service ]] || die "no deploy/systemd/hft-migrate@.service"
    for database in market_data order_engine; do
      grep -qF "command: [\"migrate\", \"--databaseName=$database\"]" "$compose" ||
        die "deploy/compose.yaml has no migrate job for $database"
    done
    continue
  fi
  [[ -f $units/hft-$subcommand.service ]] || die "hft $subcommand has no deploy/systemd/hft-$subcommand.service"
  grep -q "^ExecStart=/usr/local/bin/hft $subcommand\b" "$units/hft-$subcommand.service" ||
    die "deploy/systemd/hft-$subcommand.service does not run hft $subcommand"
  grep -qE "^  $subcommand:$" "$compose" || die "deploy/compose.yaml has no service $subcommand"
  grep -qE "command: \[\"$subcommand\"" "$compose" || die "deploy/compose.yaml's $subcommand does not run hft $subcommand"
  port=$(awk -v key="${subcommand//-/_}_metrics:" '$1 == key {print $2}' "$HFT_REPO/config.yml.example")
  if [[ -n $port ]]; then
    grep -q "HFT_METRICS_PORT: $port$" <<<"$(sed -n "/^  $subcommand:$/,/^  [a-z-]*:$/p" "$compose")" ||
      die "deploy/compose.yaml's $subcommand healthcheck must probe port $port (port.${subcommand//-/_}_metrics)"
  fi
done
say "ok: $(wc -w <<<"$subcommands") subcommands have a unit and a compose service"
