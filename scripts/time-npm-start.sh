#!/bin/sh
# Seconds from `npm start` to "serving on" in the project folder given (default: this one), on a free data dir;
# stops the service after. Usage: sh scripts/time-npm-start.sh [folder] [port]
set -eu
cd "${1:-.}"
port=${2:-8741}
log=$(mktemp)
data=$(mktemp -d)
t0=$(date +%s.%N)
SCALEFACE_PORT=$port SCALEFACE_DATA_DIR=$data setsid npm start > "$log" 2>&1 &
pid=$!
until grep -q 'serving on' "$log"; do kill -0 $pid 2>/dev/null || { cat "$log"; exit 1; }; sleep 0.2; done
echo "npm start → serving: $(echo "$(date +%s.%N) - $t0" | bc) s; $(grep -c . "$log") lines of output before that"
kill -TERM -$pid; wait $pid || true
rm -rf "$log" "$data"
