#!/usr/bin/env bash
# The browser-facing probes of issue 24, against a running service: `scripts/probe-browser-rules.sh <url> <photo>`.
# Prints one line per request: the status code, then what was sent. Run it once against a service without a token
# (the cross-site form post and the DNS-rebinding requests), and once against a service with a token (every route
# without the token: which ones answer). A route that answers 400 to the empty upload let the request through
# (the upload was refused for its missing file, not for the missing token).
set -u
url=${1:?usage: probe-browser-rules.sh <url> <photo>}
photo=${2:?usage: probe-browser-rules.sh <url> <photo>}
url=${url%/}
code() { curl -s -o /dev/null -m "${TIMEOUT:-3}" -w '%{http_code}' "$@"; }
line() { printf '%s  %s\n' "$1" "$2"; }

echo '# cross-site form posts (no token)'
line "$(TIMEOUT=120 code -F "photos=@$photo" -H 'Origin: http://evil.example' "$url/v1/subjects/Mallory/examples")" 'POST /v1/subjects/Mallory/examples, Origin: http://evil.example'
line "$(TIMEOUT=120 code -F "photos=@$photo" -H 'Sec-Fetch-Site: cross-site' "$url/v1/subjects/Mallory/examples")" 'POST /v1/subjects/Mallory/examples, Sec-Fetch-Site: cross-site'
line "$(code -F "inputFile=@$photo" -H 'Origin: http://evil.example' "$url/")" 'POST /, Origin: http://evil.example'

echo '# DNS rebinding (Host: attacker.example)'
for request in 'GET /v1/subjects' 'GET /v1/jobs' 'DELETE /v1/subjects/Mallory' 'GET /v1/status' 'GET /' 'GET /healthz'; do
  line "$(code -X "${request%% *}" -H 'Host: attacker.example' "$url${request#* }")" "$request"
done

echo '# every route without a token'
for path in / /v1/status /v1/info /v1/openapi.json /metrics /v1/subjects /v1/jobs /v1/jobs/00000000-0000-0000-0000-000000000000 /healthz /readyz; do
  line "$(code "$url$path")" "GET $path"
done
# An event stream answers 200 and never ends: the 3 s cut-off still shows its status.
line "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$url/v1/events")" 'GET /v1/events'
for path in / /v1/recognitions /v1/jobs; do
  line "$(code -F 'note=no file' "$url$path")" "POST $path (no file: 400 = open, 401 = needs the token)"
done
