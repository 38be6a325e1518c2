#!/usr/bin/env bash
# Prints every metric name that the alert rules and the Grafana dashboard query, one per line, as it appears
# in a /metrics response (tokenwarden_timer_lag_seconds_bucket, tokenwarden_refresh_attempts_total, ...).
#   --families   strip _bucket/_sum/_count/_total/_created: the names of the metric families instead
# The same list, without --families, is committed as deploy/metric-names.txt for tests that have no PyYAML.
set -euo pipefail
cd "$(dirname "$0")/.."
for python in python3 /usr/bin/python3; do
  if command -v "$python" >/dev/null 2>&1 && "$python" -c 'import yaml' 2>/dev/null; then
    exec "$python" deploy/lib/deploycheck.py metric-names "$@"
  fi
done
echo "metric-names.sh needs python3 with PyYAML (Debian: apt-get install python3-yaml); or read deploy/metric-names.txt" >&2
exit 1
