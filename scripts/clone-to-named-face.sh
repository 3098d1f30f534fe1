#!/bin/sh
# Times a new user's first hour as the README's Quickstart has it: git clone, npm ci, npm start, enroll the
# example gallery, recognize a new photo. Prints each step's seconds since the clone began and the answer.
# Usage: sh scripts/clone-to-named-face.sh <repository> [port]   (leaves nothing running; the clone stays in a temp dir)
set -eu
repo=$1
port=${2:-8000}
dir=$(mktemp -d /tmp/scaleface-clone-XXXXXX)
t0=$(date +%s.%N)
since() { echo "$(date +%s.%N) - $t0" | bc; }
git clone -q "$repo" "$dir/scaleface"
cd "$dir/scaleface"
echo "clone done: $(since) s"
npm ci --no-audit --no-fund > "$dir/npm-ci.log" 2>&1
echo "npm ci done: $(since) s ($(du -sh node_modules | cut -f1) in node_modules)"
SCALEFACE_PORT=$port setsid npm start > "$dir/start.log" 2>&1 &
start=$!
until grep -q 'serving on' "$dir/start.log"; do
  kill -0 $start 2>/dev/null || { cat "$dir/start.log"; exit 1; }
  sleep 0.5
done
echo "npm start serving: $(since) s"
SCALEFACE_PORT=$port npx scaleface enroll examples/gallery
echo "enrolled: $(since) s"
answer=$(curl -sS -F inputFile=@examples/new/cage.jpg "http://127.0.0.1:$port/")
echo "first answer '$answer': $(since) s"
kill -TERM -$start
wait $start || true
echo "clone in $dir"
