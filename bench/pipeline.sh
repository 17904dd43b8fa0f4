# Sourced by bench/tick_to_order and bench/rss (after scripts/lib/common.sh and bench/gateway_servers.sh): the
# whole trading pipeline on throwaway servers, isolated from scripts/run (own nats-server, PostgreSQL, ports).
#
#   start_pipeline SYMBOLS INTERVAL SERVICES...   exchange-sim with SYMBOLS (comma list, random walks) serving
#                                                 INTERVAL, one kline subscription and one sma_cross (fast 1,
#                                                 slow 2: an order at every turn of the price) per symbol, then
#                                                 SERVICES (hft subcommands); sets sim_port, metrics_port[service],
#                                                 service_pid[service]; logs in $work/<name>.log
#   bench_symbols COUNT                           COUNT random-walk symbol names, comma-separated
#   metric_quantiles PORT HISTOGRAM [LABELS]      "p50 p99" in µs (bucket upper bounds) of a Prometheus histogram,
#                                                 its series containing LABELS (e.g. endpoint="new_order") summed;
#                                                 "n/a n/a" when the service does not export it

declare -A metrics_port service_pid

bench_symbols() {
  local count=$1 i names=()
  for (( i = 0; i < count; i++ )); do
    names+=("B$(printf '\x'"$(printf %x $(( 65 + i / 26 )))")$(printf '\x'"$(printf %x $(( 65 + i % 26 )))")USDT")
  done
  (IFS=,; echo "${names[*]}")
}

start_pipeline() {
  local symbols=$1 interval=$2; shift 2
  local pg_base=${dsn%/market_data*} symbol n=0 service
  psql "$pg_base/postgres" -qc "CREATE DATABASE order_engine" >/dev/null
  sim_port=$(free_port)
  "$hft" exchange-sim --listen "127.0.0.1:$sim_port" --symbols "$symbols" --intervals "$interval" --speed 1 \
    >"$work/exchange-sim.log" 2>&1 &
  bench_children+=($!)
  service_pid[exchange-sim]=$!
  wait_for_port "$sim_port" 20 || die "exchange-sim did not start: $(tail -5 "$work/exchange-sim.log")"
  for service in market-data-gateway market-data-worker strategy order-engine-gateway; do
    metrics_port[$service]=$(free_port)
  done
  {
    cat "$work/base.yml"
    cat <<YML
database:
  market_data: {dsn: "$dsn"}
  order_engine: {dsn: "$pg_base/order_engine?sslmode=disable"}
log: {log_level: info}
port:
  order_engine_gateway_http: $(free_port)
  market_data_gateway_metrics: ${metrics_port[market-data-gateway]}
  market_data_worker_metrics: ${metrics_port[market-data-worker]}
  strategy_metrics: ${metrics_port[strategy]}
  order_engine_gateway_metrics: ${metrics_port[order-engine-gateway]}
exchanges:
  sim:
    stream_url: ws://127.0.0.1:$sim_port
    market_data_url: http://127.0.0.1:$sim_port
    base_url: http://127.0.0.1:$sim_port
    accounts: {bench: {api_key: paper-key, api_secret: paper-secret}}
order_engine_gateway:
  risk: {max_open_orders: 1000, orders_per_second: 1000, order_burst: 1000}
strategy: {max_kline_age: 0s, warmup_klines: 0}
strategies:
YML
    for symbol in ${symbols//,/ }; do
      printf '  - {id: x%s, kind: sma_cross, exchange: sim, symbol: %s, interval: %s, user_id: bench,\n' \
        "$symbol" "$symbol" "$interval"
      printf '     params: {average: sma, fast: "1", slow: "2", quantity: "0.001"}}\n'
    done
  } | grep -v '^database: {market_data' >"$work/config.yml"
  chmod 600 "$work/config.yml"
  "$hft" --config "$work/config.yml" migrate --databaseName=order_engine >/dev/null
  for symbol in ${symbols//,/ }; do
    (( ++n ))
    bench_sql "INSERT INTO symbol_mappings (exchange, symbol, kline_symbol, order_symbol)
               VALUES ('sim', '$symbol', '${symbol,,}', '${symbol%USDT}_USDT') ON CONFLICT DO NOTHING;
               INSERT INTO kline_subscriptions (exchange, symbol, \"interval\", payload)
               VALUES ('sim', '${symbol%USDT}_USDT', '$interval',
                       '{\"id\": $n, \"method\": \"SUBSCRIBE\", \"params\": [\"${symbol,,}@kline_$interval\"]}')
               ON CONFLICT DO NOTHING" >/dev/null
  done
  for service in "$@"; do
    "$hft" --config "$work/config.yml" "$service" >"$work/$service.log" 2>&1 &
    bench_children+=($!)
    service_pid[$service]=$!
  done
  for service in "$@"; do
    wait_for_port "${metrics_port[$service]}" 30 || die "$service did not start: $(tail -5 "$work/$service.log")"
  done
}

metric_quantiles() {
  local port=$1 name=$2 labels=${3:-}
  { exec 3<>"/dev/tcp/127.0.0.1/$port" && printf 'GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 && cat <&3; } 2>/dev/null |
    awk -v name="${name}_bucket" -v labels="$labels" '
      index($0, name) == 1 && index($0, labels) { le = $0; sub(/.*le="/, "", le); sub(/".*/, "", le); count[le] += $NF; if (!(le in seen)) { seen[le] = 1; order[++n] = le } }
      END {
        if (n == 0) { print "n/a n/a"; exit }
        total = count["+Inf"]
        if (total == 0) { print "n/a n/a"; exit }
        split("0.5 0.99", qs, " ")
        for (q = 1; q <= 2; q++) {
          for (i = 1; i <= n; i++) if (count[order[i]] >= qs[q] * total) break
          v = order[i] == "+Inf" ? "inf" : sprintf("%d", order[i] * 1e6)
          printf "%s%s", v, (q == 1 ? " " : "\n")
        }
      }'
}
