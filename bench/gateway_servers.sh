# Sourced by bench/gateway_throughput_vs_nats and bench/worker_vs_copy (after scripts/lib/common.sh): a
# throwaway nats-server (JetStream, file storage, monitoring port) and PostgreSQL 15 cluster on free loopback
# ports under a temp dir, a migrated market_data database, and cleanup on exit.
#
#   start_bench_servers         sets work, nats_url, nats_monitor, dsn; writes $work/base.yml (nats + database)
#   stream_messages             messages stored in the KLINE stream now
#   bench_sql "SQL"             runs SQL on market_data, unaligned output
#   bench_children              pids to kill on exit (append to it)
#   start_profile, stop_profile perf record -a -g into $HFT_BENCH_PROFILE around a measured phase, when set
#   HFT_BENCH_PG_OPTIONS        extra postgres settings, e.g. "-c log_min_duration_statement=0" to time each statement

pg_bin=/usr/lib/postgresql/15/bin
bench_children=()
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
if [[ $EUID -eq 0 ]]; then run_pg() { runuser -u postgres -- "$@"; }; else run_pg() { "$@"; }; fi

stop_bench_servers() {
  local pid
  for pid in "${bench_children[@]}"; do kill "$pid" 2>/dev/null || true; done
  run_pg "$pg_bin/pg_ctl" -D "$work/pg" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}

start_bench_servers() {
  work=$(mktemp -d)
  chmod 755 "$work"
  trap stop_bench_servers EXIT
  local nats_port pg_port
  nats_port=$(free_port) nats_monitor=$(free_port) pg_port=$(free_port)
  nats-server -js -a 127.0.0.1 -p "$nats_port" -m "$nats_monitor" -sd "$work/nats" >"$work/nats.log" 2>&1 &
  bench_children+=($!)
  mkdir "$work/pg"
  [[ $EUID -eq 0 ]] && chown postgres "$work/pg"
  run_pg "$pg_bin/initdb" -D "$work/pg" -U hft --auth=trust -E UTF8 --no-locale >/dev/null
  run_pg "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -c unix_socket_directories='' ${HFT_BENCH_PG_OPTIONS:-}" start >/dev/null
  wait_for_port "$nats_port" 20 || die "nats-server did not start: $(tail -5 "$work/nats.log")"
  nats_url=nats://127.0.0.1:$nats_port
  dsn=postgres://hft@127.0.0.1:$pg_port/market_data?sslmode=disable
  psql "postgres://hft@127.0.0.1:$pg_port/postgres" -qc "CREATE DATABASE market_data" >/dev/null
  cat >"$work/base.yml" <<YML
nats_jetstream: {url: "$nats_url"}
database: {market_data: {dsn: "$dsn"}}
YML
  "$hft" --config "$work/base.yml" migrate --databaseName=market_data >/dev/null
}

bench_sql() { psql "$dsn" -XAtqc "$1"; }

stream_messages() {
  curl -fsS "http://127.0.0.1:$nats_monitor/jsz?streams=true" |
    python3 -c 'import json, sys
streams = [s for a in json.load(sys.stdin).get("account_details", []) for s in a.get("stream_detail", [])]
print(sum(s["state"]["messages"] for s in streams if s["name"] == "KLINE"))'
}

start_profile() {
  [[ -n ${HFT_BENCH_PROFILE:-} ]] || return 0
  perf record -a -g -F 499 -o "$HFT_BENCH_PROFILE" >/dev/null 2>&1 &
  profiler=$!
  bench_children+=("$profiler")
}

stop_profile() {
  [[ -n ${profiler:-} ]] || return 0
  kill -INT "$profiler"
  wait "$profiler" || true
  say "profile in $HFT_BENCH_PROFILE: perf report -i $HFT_BENCH_PROFILE --no-children --sort comm,dso,sym" >&2
}
