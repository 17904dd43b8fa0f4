# The main job's live view (scripts/run): what the services stored in PostgreSQL and report on /metrics.
# Sourced, not executed. Needs HFT_DATABASE_MARKET_DATA_DSN / HFT_DATABASE_ORDER_ENGINE_DSN and the metrics
# ports below; every section degrades to a note when its source does not answer.
# shellcheck shell=bash

# service name -> its /metrics port: port.<service>_metrics of deploy/local/config.yml, or its HFT_PORT_*
# override (scripts/test runs the main job on other ports)
declare -A HFT_METRICS_PORTS=([market-data-gateway]=${HFT_PORT_MARKET_DATA_GATEWAY_METRICS:-9811}
                              [market-data-worker]=${HFT_PORT_MARKET_DATA_WORKER_METRICS:-9812}
                              [strategy]=${HFT_PORT_STRATEGY_METRICS:-9813}
                              [order-engine-gateway]=${HFT_PORT_ORDER_ENGINE_GATEWAY_METRICS:-9814})

# http_get PORT PATH: the body of a GET on 127.0.0.1 (bash's /dev/tcp, so no curl is needed); fails after 2 s.
http_get() {
  timeout 2 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" "$2" >&3
    sed "1,/^\r\{0,1\}$/d" <&3' _ "$1" "$2" 2>/dev/null
}

# Scrapes every service's /metrics into $view_dir/<service>.prom (empty when it does not answer).
scrape_metrics() {
  local service
  for service in "${!HFT_METRICS_PORTS[@]}"; do
    http_get "${HFT_METRICS_PORTS[$service]}" /metrics >"$view_dir/$service.prom" || : >"$view_dir/$service.prom"
  done
}

# metric_sum SERVICE NAME [LABEL_FILTER]: the sum of a counter's samples whose labels contain LABEL_FILTER.
metric_sum() {
  awk -v name="$2" -v filter="${3:-}" '
    $1 ~ "^" name "({|$)" && index($1, filter) { sum += $2; found = 1 }
    END { if (found) printf "%d", sum; else printf "-" }' "$view_dir/$1.prom"
}

# stage_latency SERVICE HISTOGRAM [LABEL_FILTER]: "p50 / p99 ms (n)" estimated from the cumulative buckets of
# every series matching LABEL_FILTER (each quantile is the bucket bound it falls under).
stage_latency() {
  awk -v name="$2_bucket" -v filter="${3:-}" '
    index($1, name "{") == 1 && index($1, filter) {
      match($1, /[{,]le="[^"]*"/); le = substr($1, RSTART + 5, RLENGTH - 6)  # not the "le=" ending "durable="
      if (!(le in count)) order[n++] = le
      count[le] += $2
    }
    function bound(q,   i, target) {
      target = q * total
      for (i = 0; i < n; i++) if (count[order[i]] >= target && count[order[i]] > 0)
        return order[i] == "+Inf" ? "> 30 s" : sprintf("<= %.4g ms", order[i] * 1000)
      return "-"
    }
    END {
      if (n == 0) { print "no data"; exit }
      total = count["+Inf"]
      if (total == 0) { print "no samples yet"; exit }
      printf "p50 %s, p99 %s (%d samples)\n", bound(0.5), bound(0.99), total
    }' "$view_dir/$1.prom"
}

# service_health NAME PID: running/ready as /readyz says, or why not.
service_health() {
  local name=$1 pid=$2 body
  if ! kill -0 "$pid" 2>/dev/null; then echo "EXITED (see $logs/$name.log)"; return; fi
  [[ -n ${HFT_METRICS_PORTS[$name]:-} ]] || { echo "running (pid $pid)"; return; }
  body=$(http_get "${HFT_METRICS_PORTS[$name]}" /readyz) || { echo "running (pid $pid), /readyz not answering"; return; }
  if [[ $body == *'"status":"ready"'* ]]; then echo "ready (pid $pid)"
  else echo "NOT READY (pid $pid): $(sed 's/.*"checks"://; s/[{}"]//g' <<<"$body")"
  fi
}

psql_rows() {  # psql_rows DSN SQL: aligned-free rows, or a note when the database does not answer
  psql "$1" -Atq -F' | ' -c "$2" 2>/dev/null || echo "(database not answering)"
}

klines_section() {
  psql_rows "$HFT_DATABASE_MARKET_DATA_DSN" \
    "SELECT symbol || ' ' || \"interval\", count(*) FILTER (WHERE is_closed) || ' closed',
            'newest ' || to_char(max(open_time) FILTER (WHERE is_closed) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')
       FROM market_klines GROUP BY 1 ORDER BY 1"
}

orders_section() {
  psql_rows "$HFT_DATABASE_ORDER_ENGINE_DSN" \
    "SELECT coalesce(strategy_id, '(api)'), string_agg(status || ' ' || n, ', ' ORDER BY status)
       FROM (SELECT strategy_id, status, count(*) AS n FROM orders GROUP BY 1, 2) s GROUP BY 1 ORDER BY 1"
}

fills_section() {
  psql_rows "$HFT_DATABASE_ORDER_ENGINE_DSN" \
    "SELECT count(*) || ' fills', coalesce('last: ' || (SELECT side || ' ' || quantity || ' ' || symbol || ' @ ' || price
       FROM fills ORDER BY id DESC LIMIT 1), 'none yet') FROM fills"
}

# Positions marked at the newest closed candle's close; PnL in the quote asset, exact NUMERIC arithmetic.
positions_section() {
  local marks
  marks=$(psql "$HFT_DATABASE_MARKET_DATA_DSN" -Atq -c \
    "SELECT string_agg(format('(%L, %L, %s::numeric)', exchange, symbol, close_price), ', ')
       FROM (SELECT DISTINCT ON (exchange, symbol) exchange, symbol, close_price FROM market_klines WHERE is_closed
              ORDER BY exchange, symbol, close_time DESC) m" 2>/dev/null)
  [[ -n $marks ]] || marks="(NULL::text, NULL::text, NULL::numeric)"
  psql_rows "$HFT_DATABASE_ORDER_ENGINE_DSN" \
    "SELECT p.symbol, 'qty ' || round(p.quantity, 6), 'avg ' || round(p.avg_cost, 2),
            'realized ' || round(p.realized_pnl, 4), 'unrealized ' ||
            coalesce(round((m.close - p.avg_cost) * p.quantity, 4)::text, 'n/a (no mark)'),
            'fees ' || round(p.fees_paid, 4)
       FROM positions p LEFT JOIN (VALUES $marks) AS m(exchange, symbol, close)
            ON m.exchange = p.exchange AND m.symbol = p.symbol
      ORDER BY 1"
}

decisions_section() {
  local strategy_ids
  strategy_ids=$(awk -F'strategy="' '/^hft_strategy_klines_evaluated_total/ { split($2, a, "\""); print a[1] }' \
    "$view_dir/strategy.prom" | sort -u)
  [[ -n $strategy_ids ]] || { echo "(strategy metrics not available yet)"; return; }
  local id
  for id in $strategy_ids; do
    printf '%s | %s klines evaluated | BUY %s | SELL %s\n' "$id" \
      "$(metric_sum strategy hft_strategy_klines_evaluated_total "strategy=\"$id\"")" \
      "$(metric_sum strategy hft_strategy_decisions_total "strategy=\"$id\",side=\"BUY\"")" \
      "$(metric_sum strategy hft_strategy_decisions_total "strategy=\"$id\",side=\"SELL\"")"
  done
}

latency_section() {
  printf 'gateway   frame -> JetStream ack     %s\n' "$(stage_latency market-data-gateway hft_gateway_frame_to_ack_seconds)"
  printf 'JetStream kline -> strategy         %s\n' \
    "$(stage_latency strategy hft_jetstream_delivery_seconds 'durable="strategy-')"
  printf 'strategy  kline -> order acked      %s\n' "$(stage_latency strategy hft_strategy_kline_to_decision_seconds)"
  printf 'JetStream order -> order engine     %s\n' \
    "$(stage_latency order-engine-gateway hft_jetstream_delivery_seconds 'durable="order-engine-gateway"')"
  printf 'engine    command -> REST sent      %s\n' \
    "$(stage_latency order-engine-gateway hft_order_command_to_send_seconds)"
  printf 'exchange  REST new order round trip %s\n' \
    "$(stage_latency order-engine-gateway hft_exchange_request_seconds 'endpoint="new_order"')"
  printf 'worker    batch commit              %s\n' "$(stage_latency market-data-worker hft_worker_commit_seconds)"
}

# Error-level lines the services logged during this run (each log is measured from its size at start).
errors_count() {
  local total=0 name offset
  for name in "${!log_offsets[@]}"; do
    offset=${log_offsets[$name]}
    total=$(( total + $(tail -c +"$(( offset + 1 ))" "$logs/$name.log" 2>/dev/null |
                        grep -cE '^[^ ]+ (error|critical) ' || true) ))
  done
  echo "$total"
}

# One frame of the view, as text.
render_view() {
  local elapsed=$1 name
  scrape_metrics
  printf 'hft main job: paper trading on exchange-sim, %ss elapsed (Ctrl-C stops; logs in %s)\n' "$elapsed" "$logs"
  printf '\nservices\n'
  for name in "${service_order[@]}"; do printf '  %-22s %s\n' "$name" "$(service_health "$name" "${service_pid[$name]}")"; done
  printf '\nklines stored (symbol interval | closed | newest closed candle)\n'; klines_section | sed 's/^/  /'
  printf '\ndecisions (strategy | evaluated | orders decided)\n'; decisions_section | sed 's/^/  /'
  printf '\norders by status\n'; orders_section | sed 's/^/  /'
  printf '\nfills\n'; fills_section | sed 's/^/  /'
  printf '\npositions (user paper, PnL in the quote asset, unrealized at the last close)\n'; positions_section | sed 's/^/  /'
  printf '\nlatency per stage\n'; latency_section | sed 's/^/  /'
  printf '\nerrors logged this run: %s\n' "$(errors_count)"
}

# The machine-readable last line of the final summary; scripts/test's check reads it.
summary_line() {
  local klines placed filled fills
  klines=$(psql "$HFT_DATABASE_MARKET_DATA_DSN" -Atq -c "SELECT count(*) FROM market_klines WHERE is_closed" 2>/dev/null || echo -1)
  read -r placed filled fills < <(psql "$HFT_DATABASE_ORDER_ENGINE_DSN" -Atq -F' ' -c \
    "SELECT count(*) FILTER (WHERE exchange_order_id IS NOT NULL), count(*) FILTER (WHERE status = 'FILLED'),
            (SELECT count(*) FROM fills) FROM orders" 2>/dev/null || echo "-1 -1 -1")
  printf 'summary: klines_stored=%s orders_placed=%s orders_filled=%s fills=%s errors=%s\n' \
    "$klines" "$placed" "$filled" "$fills" "$(errors_count)"
}
