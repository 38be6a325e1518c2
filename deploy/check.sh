#!/usr/bin/env bash
# Validates deploy/ without Docker or a cluster: promtool on the alert rules and their unit tests, YAML
# well-formedness, the Kubernetes manifests, the compose references, the Dockerfiles and the Grafana dashboard.
#
#   deploy/check.sh            check; exits non-zero on any failure
#   deploy/check.sh --strict   warnings fail too (deploy/ sets a variable that no Java source reads, ...)
#   deploy/check.sh --update   first regenerate deploy/k8s/prometheusrule.yaml and deploy/metric-names.txt
#
# Installs Debian's prometheus (for promtool) and python3-yaml when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

strict=""
for arg in "$@"; do
  case "$arg" in
    --update) update=1 ;;
    --strict) strict=--strict ;;
    *) echo "usage: deploy/check.sh [--update] [--strict]" >&2; exit 2 ;;
  esac
done

fail() { echo "deploy/check.sh: FAILED: $*" >&2; exit 1; }

apt_install() {
  command -v apt-get >/dev/null 2>&1 || fail "$1 is missing and there is no apt-get to install it"
  echo "installing Debian packages: $*"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || fail "apt-get install $* failed"
}

command -v promtool >/dev/null 2>&1 || apt_install prometheus
command -v promtool >/dev/null 2>&1 || fail "promtool is still missing after installing Debian's prometheus"

# A python3 with PyYAML: the one on the PATH, else Debian's.
python=""
for candidate in python3 /usr/bin/python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import yaml' 2>/dev/null; then
    python=$candidate; break
  fi
done
if [ -z "$python" ]; then
  apt_install python3 python3-yaml
  python=/usr/bin/python3
  "$python" -c 'import yaml' 2>/dev/null || fail "python3-yaml is still not importable"
fi

if [ -n "${update:-}" ]; then
  "$python" deploy/lib/deploycheck.py update
fi

echo "== promtool check rules"
promtool check rules deploy/prometheus/rules/*.yml || fail "promtool check rules"
echo "== promtool check config"
# The compose file mounts the rules at /etc/prometheus/rules; check the config against the repository copy.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/rules"
cp deploy/prometheus/rules/*.yml "$tmp/rules/"
sed "s#/etc/prometheus/rules/#$tmp/rules/#" deploy/prometheus/prometheus.yml > "$tmp/prometheus.yml"
promtool check config "$tmp/prometheus.yml" >/dev/null || { promtool check config "$tmp/prometheus.yml"; fail "promtool check config"; }
echo "  SUCCESS"
echo "== promtool test rules"
promtool test rules deploy/prometheus/tests/*.yml || fail "promtool test rules"

echo "== structure: YAML, Dockerfiles, compose, Kubernetes, Grafana, metric names"
"$python" deploy/lib/deploycheck.py check $strict || fail "structural checks (see FAIL lines above)"

if command -v kubectl >/dev/null 2>&1; then
  echo "== kubectl kustomize deploy/k8s"
  kubectl kustomize deploy/k8s > "$tmp/k8s.yaml" || fail "kubectl kustomize deploy/k8s"
  echo "  rendered $(grep -c '^kind:' "$tmp/k8s.yaml") resources"
else
  echo "== kubectl not installed: kustomize build skipped"
fi

echo "deploy/check.sh: OK"
