# Sourced by the checks that drive a running gateway (api-contract.sh, console-check.sh).
# start_gateway BINARY CONFIG LOG: starts `serve`, waits for its port; sets $pid and $port.
start_gateway() {
  "$1" serve --config "$2" 2>"$3" &
  pid=$!
  port=
  for _ in $(seq 1 300); do
    # Whole lines only: a read between two writes of the logger would see half the port.
    port=$(head -n "$(wc -l <"$3")" "$3" | grep -Eo 'listening on http://127.0.0.1:[0-9]+' | grep -Eo '[0-9]+$' || true)
    [ -n "$port" ] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$3"
  echo "gateway did not start" >&2
  return 1
}
