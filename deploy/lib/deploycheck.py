#!/usr/bin/env python3
"""Static checks of deploy/, and the files derived from the alert rules.

  deploycheck.py check [--strict]   every structural check; exit 1 on a failure (--strict: warnings fail too)
  deploycheck.py update             regenerate deploy/k8s/prometheusrule.yaml and deploy/metric-names.txt
  deploycheck.py metric-names [--families]
                                    every metric name the rules and the dashboard query, one per line

deploy/check.sh runs `check` after promtool; it needs PyYAML (Debian: python3-yaml).
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

DEPLOY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(DEPLOY)
RULES = os.path.join(DEPLOY, "prometheus", "rules", "tokenwarden.rules.yml")
TESTS = os.path.join(DEPLOY, "prometheus", "tests")
PROM_CONFIG = os.path.join(DEPLOY, "prometheus", "prometheus.yml")
DASHBOARD = os.path.join(DEPLOY, "grafana", "tokenwarden.json")
COMPOSE = os.path.join(DEPLOY, "compose", "docker-compose.yml")
K8S = os.path.join(DEPLOY, "k8s")
PROMETHEUS_RULE = os.path.join(K8S, "prometheusrule.yaml")
METRIC_NAMES = os.path.join(DEPLOY, "metric-names.txt")

JAR = "cli/target/tokenwarden.jar"
LIB = "cli/target/lib/"
HTTP_PORT = "8080"
RUNBOOK_BASE = "https://github.com/tokenwarden/tokenwarden/blob/main/README.md#runbook-"
JOBS = {"tokenwarden-stream", "tokenwarden-worker", "tokenwarden-gateway"}
PROVIDERS = ["X", "TIKTOK", "PINTEREST", "YOUTUBE", "LINKEDIN", "INSTAGRAM"]
REQUIRED_ALERTS = [
    "TokenwardenRefreshFailureRateHigh", "TokenwardenProviderMisconfigured", "TokenwardenProviderCircuitOpen",
    "TokenwardenNeedsReconnectSurge", "TokenwardenTimerLagHigh", "TokenwardenStreamNotRunning",
    "TokenwardenWorkerNotConsuming", "TokenwardenDeadLetters", "TokenwardenGatewayLagging",
]
# A metric of each dashboard topic that the issue asks for.
DASHBOARD_METRICS = [
    "tokenwarden_connections", "tokenwarden_connections_attention", "tokenwarden_refresh_attempts_total",
    "tokenwarden_refresh_duration_seconds_bucket", "tokenwarden_timer_lag_seconds_bucket",
    "tokenwarden_stream_state", "kafka_stream_thread_process_rate",
    "kafka_consumer_fetch_manager_records_lag_max", "tokenwarden_dead_letters_total",
    "tokenwarden_gateway_sse_clients", "tokenwarden_gateway_sse_events_total",
    "tokenwarden_gateway_sse_disconnects_total", "tokenwarden_gateway_status_lag_records",
    "tokenwarden_http_requests_seconds_bucket",
]
# Series Prometheus makes itself; a running instance's /metrics does not have them.
SYNTHETIC = {"up", "ALERTS", "ALERTS_FOR_STATE", "scrape_duration_seconds", "scrape_samples_scraped"}
PROMQL_WORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "offset",
                "bool", "inf", "nan", "atan2", "start", "end"}
# Counters whose label values are unknown at start-up (an unconfigured provider's name): they are exported from
# their first event on, so a running instance need not show them; metric-names.txt lists them as comments.
FIRST_EVENT_ONLY = {"tokenwarden_unknown_provider_total"}


class Report:
    def __init__(self):
        self.failures = []
        self.warnings = []
        self.passed = 0

    def check(self, ok, message):
        if ok:
            self.passed += 1
        else:
            self.failures.append(message)
        return ok

    def warn(self, message):
        self.warnings.append(message)


def rel(path):
    return os.path.relpath(path, ROOT)


def load_yaml(path):
    with open(path) as f:
        return yaml.safe_load(f)


def load_yaml_all(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def iso_seconds(value):
    """Seconds of a simple ISO-8601 duration such as PT30S, PT1M30S or PT2M."""
    m = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?", str(value))
    if not m or not any(m.groups()):
        raise ValueError(f"not an ISO-8601 time duration: {value!r}")
    h, mi, s = m.groups()
    return int(h or 0) * 3600 + int(mi or 0) * 60 + float(s or 0)


def compose_seconds(value):
    m = re.fullmatch(r"(?:(\d+)m)?(?:(\d+)s)?", str(value))
    if not m or not any(m.groups()):
        raise ValueError(f"not a compose duration: {value!r}")
    return int(m.group(1) or 0) * 60 + int(m.group(2) or 0)


def github_anchor(heading):
    anchor = heading.strip().lower()
    anchor = re.sub(r"[^\w\- ]", "", anchor)
    return anchor.replace(" ", "-")


def markdown_anchors(path):
    if not os.path.exists(path):
        return set()
    anchors = set()
    with open(path) as f:
        for line in f:
            m = re.match(r"#{1,6}\s+(.*)", line)
            if m:
                anchors.add(github_anchor(m.group(1)))
    return anchors


# ---------------------------------------------------------------- metric names

def strip_promql(expr):
    """The expression without strings, label matchers, ranges and label lists: what is left names metrics."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', " ", expr)
    expr = re.sub(r"\{[^}]*\}", " ", expr)
    expr = re.sub(r"\[[^\]]*\]", " ", expr)
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    return expr


def metric_names_in(expr):
    names = set()
    stripped = strip_promql(expr)
    for m in re.finditer(r"(?<![\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(\s*\()?", stripped):
        word, call = m.group(1), m.group(2)
        if call or word in PROMQL_WORDS:
            continue
        names.add(word)
    return names


def rule_exprs():
    rules = load_yaml(RULES)
    for group in rules["groups"]:
        for rule in group["rules"]:
            yield rule.get("alert") or rule.get("record"), rule["expr"]


def dashboard_exprs():
    with open(DASHBOARD) as f:
        dash = json.load(f)

    def panels(items):
        for p in items:
            yield p
            yield from panels(p.get("panels", []))

    for panel in panels(dash.get("panels", [])):
        for target in panel.get("targets", []):
            if target.get("expr"):
                yield panel.get("title", "?"), target["expr"]
    for var in dash.get("templating", {}).get("list", []):
        query = var.get("query")
        if var.get("type") == "query" and isinstance(query, dict):
            m = re.search(r"label_values\((.*),\s*\w+\)\s*$", query.get("query", ""))
            if m:
                yield "variable " + var["name"], m.group(1)


def metric_names(families=False):
    names = set()
    for _, expr in list(rule_exprs()) + list(dashboard_exprs()):
        names |= metric_names_in(expr)
    names -= SYNTHETIC
    if families:
        names = {re.sub(r"_(bucket|sum|count|total|created)$", "", n) for n in names}
    return sorted(names)


# ---------------------------------------------------------------- derived files

class _Literal(str):
    pass


def _literal_representer(dumper, data):
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")


def _str_representer(dumper, data):
    if "\n" in data:
        return _literal_representer(dumper, data)
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


def prometheus_rule_text():
    rules = load_yaml(RULES)
    resource = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "tokenwarden", "labels": {"app.kubernetes.io/part-of": "tokenwarden"}},
        "spec": {"groups": rules["groups"]},
    }

    class Dumper(yaml.SafeDumper):
        pass

    Dumper.add_representer(str, _str_representer)
    header = ("# GENERATED from deploy/prometheus/rules/tokenwarden.rules.yml by `deploy/check.sh --update`; "
              "do not edit.\n"
              "# Your Prometheus's ruleSelector may need a label here (kube-prometheus-stack: release: <name>).\n")
    return header + yaml.dump(resource, Dumper=Dumper, sort_keys=False, width=120, allow_unicode=True)


def metric_names_text():
    names = metric_names()
    return ("# GENERATED by `deploy/check.sh --update` from the alert rules and the Grafana dashboard: every metric\n"
            "# name they query, as it appears in /metrics. A running instance must export each one.\n"
            + "".join(n + "\n" for n in names if n not in FIRST_EVENT_ONLY)
            + "# Exported from their first event on (label values unknown at start-up):\n"
            + "".join("# " + n + "\n" for n in names if n in FIRST_EVENT_ONLY))


def update():
    for path, text in ((PROMETHEUS_RULE, prometheus_rule_text()), (METRIC_NAMES, metric_names_text())):
        old = open(path).read() if os.path.exists(path) else None
        if old != text:
            with open(path, "w") as f:
                f.write(text)
            print(f"wrote {rel(path)}")


# ---------------------------------------------------------------- checks

def check_yaml_files(r):
    count = 0
    for dirpath, _, files in os.walk(DEPLOY):
        for name in sorted(files):
            if name.endswith((".yml", ".yaml")):
                path = os.path.join(dirpath, name)
                count += 1
                try:
                    docs = load_yaml_all(path)
                    r.check(len(docs) > 0, f"{rel(path)}: empty YAML")
                except yaml.YAMLError as e:
                    r.check(False, f"{rel(path)}: malformed YAML: {e}")
    r.check(count >= 10, f"expected at least 10 YAML files under deploy/, found {count}")


def check_rules(r):
    rules = load_yaml(RULES)
    alerts = {}
    for group in rules["groups"]:
        for rule in group["rules"]:
            name = rule.get("alert")
            if not r.check(name is not None, f"{rel(RULES)}: group {group['name']} has a rule that is not an alert"):
                continue
            r.check(name not in alerts, f"{name}: defined twice")
            alerts[name] = rule
            r.check(name.startswith("Tokenwarden"), f"{name}: alert names start with Tokenwarden")
            r.check(rule.get("labels", {}).get("severity") in ("critical", "warning", "info"),
                    f"{name}: needs a severity label (critical, warning or info)")
            ann = rule.get("annotations", {})
            for key in ("summary", "description", "runbook_url"):
                r.check(bool(ann.get(key)), f"{name}: missing the {key} annotation")
            r.check(ann.get("runbook_url") == RUNBOOK_BASE + name.lower(),
                    f"{name}: runbook_url must be {RUNBOOK_BASE + name.lower()}")
    for name in REQUIRED_ALERTS:
        r.check(name in alerts, f"required alert {name} is missing from {rel(RULES)}")

    readme_anchors = markdown_anchors(os.path.join(ROOT, "README.md"))
    for name in alerts:
        anchor = "runbook-" + name.lower()
        r.check(anchor in readme_anchors, f"README.md needs a heading '### Runbook: {name}' (#{anchor})")

    # Every alert: a test case where it must fire, and one where it must not.
    fires, silent = set(), set()
    for name in sorted(os.listdir(TESTS)):
        if not name.endswith((".yml", ".yaml")):
            continue
        doc = load_yaml(os.path.join(TESTS, name))
        r.check(any(os.path.normpath(os.path.join(TESTS, f)) == os.path.normpath(RULES)
                    for f in doc.get("rule_files", [])), f"{name}: rule_files must load {rel(RULES)}")
        for test in doc.get("tests", []):
            for case in test.get("alert_rule_test", []):
                (fires if case.get("exp_alerts") else silent).add(case["alertname"])
    for name in alerts:
        r.check(name in fires, f"{name}: no promtool test case where it fires")
        r.check(name in silent, f"{name}: no promtool test case where it must not fire")
    return alerts


def parse_dockerfile(path):
    with open(path) as f:
        text = re.sub(r"\\\n", " ", f.read())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            instructions.append((word.upper(), rest.strip()))
    return instructions


def dockerfile_env(instructions):
    env = {}
    for word, rest in instructions:
        if word == "ENV":
            for m in re.finditer(r'(\w+)=("[^"]*"|\S+)', rest):
                env[m.group(1)] = m.group(2).strip('"')
    return env


def check_dockerfile(r, path, command):
    name = rel(path)
    if not r.check(os.path.exists(path), f"{name} does not exist"):
        return {}
    ins = parse_dockerfile(path)
    words = [w for w, _ in ins]
    base = next((rest for w, rest in ins if w == "FROM"), "")
    r.check("jre" in base, f"{name}: the base image should be a JRE, got {base!r}")
    user = next((rest for w, rest in reversed(ins) if w == "USER"), "root")
    r.check(user.split(":")[0] not in ("root", "0"), f"{name}: must switch to a non-root USER")
    r.check(words.index("USER") > max(i for i, w in enumerate(words) if w in ("RUN", "COPY"))
            if "USER" in words else False, f"{name}: USER must come after the last RUN/COPY")
    r.check(any(w == "EXPOSE" and HTTP_PORT in rest.split() for w, rest in ins), f"{name}: EXPOSE {HTTP_PORT}")
    copies = {}
    for w, rest in ins:
        if w == "COPY":
            parts = rest.split()
            copies[parts[0]] = parts[-1]
    r.check(JAR in copies, f"{name}: must COPY {JAR}")
    r.check(LIB in copies, f"{name}: must COPY {LIB}")
    workdir = next((rest for w, rest in ins if w == "WORKDIR"), "/")
    jar_dest = os.path.normpath(os.path.join(workdir, copies.get(JAR, "")))
    lib_dest = os.path.normpath(os.path.join(workdir, copies.get(LIB, "")))
    r.check(os.path.dirname(jar_dest) + "/lib" == lib_dest,
            f"{name}: lib/ must sit next to the jar (the manifest Class-Path is lib/...)")
    entry = next((json.loads(rest) for w, rest in ins if w == "ENTRYPOINT"), [])
    cmd = next((json.loads(rest) for w, rest in ins if w == "CMD"), [])
    r.check("-jar" in entry and entry[entry.index("-jar") + 1] == jar_dest,
            f"{name}: ENTRYPOINT must run java -jar {jar_dest}")
    r.check(cmd == command, f"{name}: CMD must be {command}")
    env = dockerfile_env(ins)
    r.check(env.get("TOKENWARDEN_HTTP_PORT") == HTTP_PORT, f"{name}: ENV TOKENWARDEN_HTTP_PORT={HTTP_PORT}")
    for w, rest in ins:
        if w == "HEALTHCHECK":
            r.check("/health/" in rest and f":{HTTP_PORT}/" in rest,
                    f"{name}: HEALTHCHECK must call /health/* on port {HTTP_PORT}")
    ignore = path + ".dockerignore"
    if r.check(os.path.exists(ignore), f"{rel(ignore)} is missing (it keeps the build context small)"):
        lines = [l.strip() for l in open(ignore) if l.strip() and not l.startswith("#")]
        r.check("!" + JAR in lines and "!" + LIB in lines,
                f"{rel(ignore)}: must re-include {JAR} and {LIB}")
    return {"env": env, "volumes": [rest for w, rest in ins if w == "VOLUME"], "cmd": cmd}


def check_pom(r):
    pom = open(os.path.join(ROOT, "cli", "pom.xml")).read()
    r.check("<finalName>tokenwarden</finalName>" in pom, f"cli/pom.xml: finalName is no longer tokenwarden ({JAR})")
    r.check("${project.build.directory}/lib" in pom and "<classpathPrefix>lib/</classpathPrefix>" in pom,
            f"cli/pom.xml: dependencies are no longer copied to {LIB}")


def env_dict(environment):
    if isinstance(environment, list):
        return dict(item.split("=", 1) if "=" in item else (item, None) for item in environment)
    return {k: (None if v is None else str(v)) for k, v in (environment or {}).items()}


def check_compose(r, dockerfiles):
    compose = load_yaml(COMPOSE)
    services = compose.get("services", {})
    compose_dir = os.path.dirname(COMPOSE)
    stream_services, worker_services, gateway_services = [], [], []
    for name, svc in services.items():
        build = svc.get("build")
        if build:
            context = os.path.normpath(os.path.join(compose_dir, build.get("context", ".")))
            r.check(context == ROOT, f"compose {name}: build context must be the repository root, is {context}")
            dockerfile = os.path.normpath(os.path.join(context, build.get("dockerfile", "Dockerfile")))
            r.check(os.path.exists(dockerfile), f"compose {name}: {rel(dockerfile)} does not exist")
            r.check(dockerfile in dockerfiles, f"compose {name}: unexpected Dockerfile {rel(dockerfile)}")
        command = svc.get("command") or []
        if command[:2] == ["run", "--stream"]:
            stream_services.append(name)
        if command[:2] == ["run", "--worker"]:
            worker_services.append(name)
        if command[:2] == ["run", "--gateway"]:
            gateway_services.append(name)
        for vol in svc.get("volumes", []):
            src = vol.split(":")[0]
            if src.startswith("."):
                path = os.path.normpath(os.path.join(compose_dir, src))
                r.check(os.path.exists(path), f"compose {name}: mounted path {rel(path)} does not exist")

    kafka = services.get("kafka", {})
    r.check(str(kafka.get("image", "")).startswith("apache/kafka:"), "compose: kafka must use the apache/kafka image")
    roles = str(env_dict(kafka.get("environment")).get("KAFKA_PROCESS_ROLES", ""))
    r.check("controller" in roles and "broker" in roles, "compose: kafka must run in KRaft mode (broker,controller)")

    topics = services.get("topics", {})
    r.check((topics.get("command") or [])[:2] == ["topics", "create"], "compose: a one-shot `topics create` service")
    r.check(str(topics.get("restart", "no")) == "no", "compose: the topic creator must not restart")

    r.check(len(stream_services) >= 2, f"compose: at least 2 stream instances, found {stream_services}")
    r.check(len(worker_services) >= 1, "compose: a worker service")
    r.check(len(gateway_services) >= 1, "compose: a status gateway service")
    state_volumes = []
    for name in stream_services + worker_services + gateway_services:
        svc = services[name]
        env = env_dict(svc.get("environment"))
        r.check(env.get("TOKENWARDEN_HTTP_PORT") == HTTP_PORT, f"compose {name}: TOKENWARDEN_HTTP_PORT={HTTP_PORT}")
        r.check(env.get("KAFKA_BOOTSTRAP_SERVERS", "").split(":")[0] in services,
                f"compose {name}: KAFKA_BOOTSTRAP_SERVERS must name a compose service")
        deps = svc.get("depends_on", {})
        r.check(isinstance(deps, dict) and deps.get("topics", {}).get("condition") == "service_completed_successfully",
                f"compose {name}: must wait for the topic creator to complete")
        env_files = svc.get("env_file")
        env_files = [env_files] if isinstance(env_files, str) else env_files or []
        r.check(".env" in [e if isinstance(e, str) else e.get("path") for e in env_files],
                f"compose {name}: secrets come from env_file .env")
        close = iso_seconds(env.get("TOKENWARDEN_CLOSE_TIMEOUT", "PT30S"))
        grace = compose_seconds(svc.get("stop_grace_period", "10s"))
        r.check(grace > close, f"compose {name}: stop_grace_period {grace}s must exceed the close timeout {close}s")
        for port in svc.get("ports", []):
            r.check(str(port).split(":")[-1] == HTTP_PORT, f"compose {name}: publishes {port}, not port {HTTP_PORT}")
    for name in stream_services:
        svc = services[name]
        state_dir = env_dict(svc.get("environment")).get("TOKENWARDEN_EXPIRY_STATE_DIR")
        mounts = [v for v in svc.get("volumes", []) if v.split(":")[1] == state_dir]
        if r.check(state_dir and len(mounts) == 1, f"compose {name}: a volume at TOKENWARDEN_EXPIRY_STATE_DIR"):
            state_volumes.append(mounts[0].split(":")[0])
        r.check(env_dict(svc.get("environment")).get("KAFKA_NUM_STANDBY_REPLICAS") == "1",
                f"compose {name}: KAFKA_NUM_STANDBY_REPLICAS=1")
        r.check(state_dir in dockerfiles[os.path.join(DEPLOY, "docker", "stream.Dockerfile")]["volumes"],
                f"compose {name}: the stream Dockerfile must declare VOLUME {state_dir}")
    r.check(len(set(state_volumes)) == len(state_volumes), "compose: each stream instance needs its own state volume")

    # Secrets: the env file is git-ignored, and its example lists every secret.
    ignore = os.path.join(compose_dir, ".gitignore")
    r.check(os.path.exists(ignore) and ".env" in open(ignore).read().split(), "deploy/compose/.gitignore must list .env")
    tracked = subprocess.run(["git", "-C", ROOT, "ls-files", "--error-unmatch", "deploy/compose/.env"],
                             capture_output=True).returncode == 0
    r.check(not tracked, "deploy/compose/.env (secrets) is committed")
    example = os.path.join(compose_dir, ".env.example")
    keys = {}
    if r.check(os.path.exists(example), "deploy/compose/.env.example is missing"):
        for line in open(example):
            if line.strip() and not line.startswith("#"):
                if r.check(re.match(r"^[A-Z][A-Z0-9_]*=", line), f".env.example: not KEY=value: {line.strip()}"):
                    k, v = line.rstrip("\n").split("=", 1)
                    keys[k] = v
    needed = ["TOKENWARDEN_KEYSET", "TOKENWARDEN_GATEWAY_JWT_SECRET", "TOKENWARDEN_GATEWAY_TICKET_SECRET"] + [f"TOKENWARDEN_PROVIDER_{p}_CLIENT_{s}" for p in PROVIDERS for s in ("ID", "SECRET")]
    for k in needed:
        r.check(k in keys, f".env.example: missing {k}")
        r.check(keys.get(k, "") == "", f".env.example: {k} must be empty (no secret values)")

    # Prometheus: rules mounted where prometheus.yml loads them; targets are the Tokenwarden services.
    prom = services.get("prometheus", {})
    mounts = dict((v.split(":")[1], os.path.normpath(os.path.join(compose_dir, v.split(":")[0])))
                  for v in prom.get("volumes", []) if v.startswith("."))
    config = load_yaml(PROM_CONFIG)
    r.check(mounts.get("/etc/prometheus/prometheus.yml") == PROM_CONFIG, "compose prometheus: mount prometheus.yml")
    for pattern in config.get("rule_files", []):
        host = next((h for c, h in mounts.items() if pattern.startswith(c.rstrip("/") + "/")), None)
        r.check(host == os.path.dirname(RULES), f"prometheus.yml rule_files {pattern} is not the mounted rules dir")
    targets = {}
    for job in config.get("scrape_configs", []):
        for sc in job.get("static_configs", []):
            for t in sc.get("targets", []):
                targets[t] = job["job_name"]
        if job["job_name"] in JOBS:
            r.check(job.get("metrics_path", "/metrics") == "/metrics", f"prometheus.yml {job['job_name']}: /metrics")
    expected = {f"{s}:{HTTP_PORT}": "tokenwarden-stream" for s in stream_services}
    expected.update({f"{s}:{HTTP_PORT}": "tokenwarden-worker" for s in worker_services})
    expected.update({f"{s}:{HTTP_PORT}": "tokenwarden-gateway" for s in gateway_services})
    actual = {t: j for t, j in targets.items() if j in JOBS}
    r.check(actual == expected, f"prometheus.yml targets {actual} do not match the compose services {expected}")

    # Grafana: provisioning and the dashboard mounted where the provider looks.
    graf = services.get("grafana", {})
    gmounts = dict((v.split(":")[1], os.path.normpath(os.path.join(compose_dir, v.split(":")[0])))
                   for v in graf.get("volumes", []) if v.startswith("."))
    prov = os.path.join(DEPLOY, "grafana", "provisioning")
    r.check(gmounts.get("/etc/grafana/provisioning") == prov, "compose grafana: mount deploy/grafana/provisioning")
    providers = load_yaml(os.path.join(prov, "dashboards", "tokenwarden.yml"))["providers"]
    path = providers[0]["options"]["path"].rstrip("/")
    r.check(gmounts.get(path + "/tokenwarden.json") == DASHBOARD,
            f"compose grafana: mount deploy/grafana/tokenwarden.json into the provider path {path}")
    ds = load_yaml(os.path.join(prov, "datasources", "prometheus.yml"))["datasources"][0]
    m = re.match(r"http://([\w-]+):(\d+)", ds["url"])
    r.check(m and m.group(1) in services, f"grafana datasource url {ds['url']} must name a compose service")
    return stream_services, worker_services


def k8s_docs():
    kust = load_yaml(os.path.join(K8S, "kustomization.yaml"))
    docs = []
    for res in kust["resources"]:
        for doc in load_yaml_all(os.path.join(K8S, res)):
            docs.append((res, doc))
    return kust, docs


def check_probe(r, where, probe, paths, ports):
    get = (probe or {}).get("httpGet", {})
    r.check(get.get("path") in paths, f"{where}: must be an httpGet on {' or '.join(paths)}, is {get.get('path')}")
    r.check(get.get("port") in ports, f"{where}: port {get.get('port')} is not the container's {HTTP_PORT} port")


def check_k8s(r):
    kust, docs = k8s_docs()
    listed = set(kust["resources"])
    for name in os.listdir(K8S):
        if name.endswith((".yaml", ".yml")) and name != "kustomization.yaml":
            r.check(name in listed, f"deploy/k8s/{name} is not in kustomization.yaml resources")
    by_kind = {}
    for res, doc in docs:
        where = f"deploy/k8s/{res}"
        ok = r.check(all(doc.get(k) for k in ("apiVersion", "kind")) and doc.get("metadata", {}).get("name"),
                     f"{where}: every document needs apiVersion, kind and metadata.name")
        if ok:
            by_kind.setdefault(doc["kind"], []).append(doc)
        r.check(doc.get("kind") != "Secret", f"{where}: commit no Secret; reference one")
    config = {}
    for cm in by_kind.get("ConfigMap", []):
        config.update({k: str(v) for k, v in (cm.get("data") or {}).items()})
    close = iso_seconds(config.get("TOKENWARDEN_CLOSE_TIMEOUT", "PT30S"))

    for k in config:
        r.check(not re.search(r"SECRET|KEYSET$|PASSWORD", k), f"k8s ConfigMap: {k} belongs in a Secret")
    r.check(config.get("TOKENWARDEN_HTTP_PORT") == HTTP_PORT, f"k8s ConfigMap: TOKENWARDEN_HTTP_PORT must be {HTTP_PORT}")

    workloads = {}
    for kind in ("StatefulSet", "Deployment"):
        for w in by_kind.get(kind, []):
            workloads[w["metadata"]["name"]] = w
    stream = workloads.get("tokenwarden-stream")
    worker = workloads.get("tokenwarden-worker")
    r.check(stream is not None and stream["kind"] == "StatefulSet", "k8s: the stream must be a StatefulSet")
    r.check(worker is not None and worker["kind"] == "StatefulSet",
            "k8s: the worker must be a StatefulSet (a stable transactional id per pod)")
    gateway = workloads.get("tokenwarden-gateway")
    r.check(gateway is not None and gateway["kind"] == "Deployment", "k8s: the status gateway must be a Deployment")

    pod_labels = {}
    for name, w in workloads.items():
        spec = w["spec"]
        pod = spec["template"]["spec"]
        labels = spec["template"]["metadata"].get("labels", {})
        pod_labels[name] = labels
        sel = spec["selector"]["matchLabels"]
        r.check(all(labels.get(k) == v for k, v in sel.items()), f"k8s {name}: selector does not match the pod labels")
        r.check(pod.get("terminationGracePeriodSeconds", 30) > close,
                f"k8s {name}: terminationGracePeriodSeconds must exceed TOKENWARDEN_CLOSE_TIMEOUT ({close}s)")
        r.check(pod.get("securityContext", {}).get("runAsNonRoot") is True, f"k8s {name}: runAsNonRoot")
        for c in pod["containers"]:
            where = f"k8s {name}/{c['name']}"
            ports = {p.get("name") for p in c.get("ports", []) if str(p["containerPort"]) == HTTP_PORT}
            ports |= {int(HTTP_PORT)}
            r.check(len(ports) > 1, f"{where}: needs a named containerPort {HTTP_PORT}")
            check_probe(r, f"{where} livenessProbe", c.get("livenessProbe"), ["/health/live"], ports)
            check_probe(r, f"{where} readinessProbe", c.get("readinessProbe"), ["/health/ready"], ports)
            if c.get("startupProbe"):
                check_probe(r, f"{where} startupProbe", c["startupProbe"], ["/health/live", "/health/ready"], ports)
            env = {e["name"]: e for e in c.get("env", [])}
            for e in env.values():
                if re.search(r"SECRET|KEYSET$|PASSWORD|TOKEN$", e["name"]):
                    r.check("valueFrom" in e and "secretKeyRef" in e["valueFrom"],
                            f"{where}: {e['name']} must come from a secretKeyRef")
            keyset = env.get("TOKENWARDEN_KEYSET", {}).get("valueFrom", {}).get("secretKeyRef")
            if name == "tokenwarden-gateway":
                # It never opens sealed credentials: no keyset, and a JWT secret or JWKS URL instead.
                r.check("TOKENWARDEN_KEYSET" not in env, f"{where}: the gateway must not get the keyset")
                r.check("TOKENWARDEN_GATEWAY_JWT_SECRET" in env or "TOKENWARDEN_GATEWAY_JWKS_URL" in config,
                        f"{where}: TOKENWARDEN_GATEWAY_JWT_SECRET (secretKeyRef) or TOKENWARDEN_GATEWAY_JWKS_URL")
            else:
                r.check(keyset is not None, f"{where}: TOKENWARDEN_KEYSET from a secretKeyRef")
            r.check(any(ef.get("configMapRef", {}).get("name") in {cm["metadata"]["name"] for cm in by_kind.get("ConfigMap", [])}
                        for ef in c.get("envFrom", [])), f"{where}: envFrom the ConfigMap")
            if name == "tokenwarden-worker":
                r.check(any("secretRef" in ef for ef in c.get("envFrom", [])),
                        f"{where}: provider credentials via envFrom secretRef")
                # The pod name keeps its ordinal across restarts: the restarted pod fences its predecessor.
                tx = env.get("TOKENWARDEN_WORKER_TRANSACTIONAL_ID", {}).get("value", "")
                pod_name = [n for n, e in env.items()
                            if e.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "metadata.name"]
                r.check(any(f"$({n})" in tx for n in pod_name),
                        f"{where}: TOKENWARDEN_WORKER_TRANSACTIONAL_ID must come from the pod name (fieldRef metadata.name)")
            # All need the generic providers' TYPE and the policy overrides: the stream to accept and time
            # their connections, the worker to call them.
            r.check(any(ef.get("configMapRef", {}).get("name") == "tokenwarden-providers" for ef in c.get("envFrom", [])),
                    f"{where}: provider settings via envFrom the tokenwarden-providers ConfigMap")
            if name == "tokenwarden-stream":
                r.check(env.get("KAFKA_NUM_STANDBY_REPLICAS", {}).get("value") == "1",
                        f"{where}: KAFKA_NUM_STANDBY_REPLICAS=1")
                state_dir = env.get("TOKENWARDEN_EXPIRY_STATE_DIR", {}).get("value")
                claims = {t["metadata"]["name"] for t in spec.get("volumeClaimTemplates", [])}
                mounted = {m["name"] for m in c.get("volumeMounts", []) if m["mountPath"] == state_dir}
                r.check(state_dir and mounted & claims,
                        f"{where}: TOKENWARDEN_EXPIRY_STATE_DIR must be a volumeClaimTemplate's mount")
            if c.get("securityContext", {}).get("readOnlyRootFilesystem"):
                r.check(any(m["mountPath"] == "/tmp" for m in c.get("volumeMounts", [])),
                        f"{where}: a read-only root needs a writable /tmp (RocksDB unpacks its library there)")

    # Services select the pods and target the http port.
    for svc in by_kind.get("Service", []):
        name = svc["metadata"]["name"]
        sel = svc["spec"].get("selector", {})
        matched = [w for w, labels in pod_labels.items() if all(labels.get(k) == v for k, v in sel.items())]
        r.check(len(matched) == 1, f"k8s Service {name}: selects {matched}, expected one workload")
        for p in svc["spec"]["ports"]:
            r.check(p.get("targetPort") in ("http", int(HTTP_PORT)), f"k8s Service {name}: targetPort must be http")
    for w in ("tokenwarden-stream", "tokenwarden-worker", "tokenwarden-gateway"):
        r.check(any(all(pod_labels.get(w, {}).get(k) == v for k, v in s["spec"].get("selector", {}).items())
                    for s in by_kind.get("Service", [])), f"k8s: no Service for {w}")
    for sts in (stream, worker):
        if sts and sts["kind"] == "StatefulSet":
            r.check(any(s["metadata"]["name"] == sts["spec"].get("serviceName") for s in by_kind.get("Service", [])),
                    f"k8s: the StatefulSet {sts['metadata']['name']}'s serviceName must be one of the Services")

    # PodMonitor: selects both workloads, on the http port, with the job names the rules use.
    monitors = by_kind.get("PodMonitor", [])
    if r.check(len(monitors) == 1, "k8s: one PodMonitor"):
        pm = monitors[0]["spec"]
        sel = pm["selector"]["matchLabels"]
        selected = {w for w, labels in pod_labels.items() if all(labels.get(k) == v for k, v in sel.items())}
        r.check(selected == JOBS, f"k8s PodMonitor selects {selected}")
        jobs = {pod_labels[w].get(pm.get("jobLabel")) for w in selected}
        r.check(jobs == JOBS, f"k8s PodMonitor: jobLabel must give the job names {sorted(JOBS)}, gives {jobs}")
        for ep in pm["podMetricsEndpoints"]:
            r.check(ep.get("port") == "http" and ep.get("path", "/metrics") == "/metrics",
                    "k8s PodMonitor: scrape port http, path /metrics")

    # PrometheusRule: exactly the rules file.
    rules = by_kind.get("PrometheusRule", [])
    if r.check(len(rules) == 1, "k8s: one PrometheusRule"):
        r.check(rules[0]["spec"]["groups"] == load_yaml(RULES)["groups"],
                "k8s PrometheusRule groups differ from the rules file: run deploy/check.sh --update")
    r.check(open(PROMETHEUS_RULE).read() == prometheus_rule_text(),
            f"{rel(PROMETHEUS_RULE)} is not the generated text: run deploy/check.sh --update")

    for image in kust.get("images", []):
        r.check(any(c["image"].split(":")[0] == image["name"]
                    for w in workloads.values() for c in w["spec"]["template"]["spec"]["containers"]),
                f"kustomization images: {image['name']} is used by no container")


def check_dashboard(r):
    try:
        with open(DASHBOARD) as f:
            dash = json.load(f)
    except (OSError, ValueError) as e:
        r.check(False, f"{rel(DASHBOARD)} does not parse: {e}")
        return []
    r.check(dash.get("uid") and dash.get("title"), "dashboard: needs a uid and a title")
    ids = [p.get("id") for p in dash.get("panels", [])]
    r.check(len(ids) == len(set(ids)), "dashboard: panel ids must be unique")
    exprs = list(dashboard_exprs())
    for panel in dash.get("panels", []):
        if panel.get("type") != "row":
            r.check(panel.get("title") and panel.get("targets"), f"dashboard panel {panel.get('id')}: title and targets")
            r.check(panel.get("datasource", {}).get("uid") == "${datasource}",
                    f"dashboard panel {panel.get('title')}: use the ${{datasource}} variable")
    used = set()
    for _, expr in exprs:
        used |= metric_names_in(expr)
    for m in DASHBOARD_METRICS:
        r.check(m in used, f"dashboard: no panel queries {m}")
    return exprs


def promtool_parse(r, exprs):
    """promtool has no PromQL parser command; a rules file with one recording rule per expression gets one."""
    substitutions = {"$__rate_interval": "5m", "$__range": "1h", "$__interval": "1m", "$provider": ".*",
                     "$instance": ".*"}
    rules = []
    for i, (title, expr) in enumerate(exprs):
        for k, v in substitutions.items():
            expr = expr.replace(k, v)
        r.check("$" not in expr, f"dashboard {title}: unknown variable in {expr}")
        rules.append({"record": f"dashboard:expr_{i}", "expr": expr})
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
        yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, f)
        path = f.name
    try:
        out = subprocess.run(["promtool", "check", "rules", path], capture_output=True, text=True)
        r.check(out.returncode == 0, "dashboard: promtool cannot parse a query:\n" + out.stdout + out.stderr)
    finally:
        os.unlink(path)


def check_env_names(r):
    """Warn about variables that deploy/ sets but no Java source reads (yet): one side must change."""
    used = set()
    for dirpath, _, files in os.walk(DEPLOY):
        for name in files:
            if name.endswith((".yml", ".yaml", "Dockerfile", ".example")):
                used |= set(re.findall(r"\bTOKENWARDEN_[A-Z0-9_]*[A-Z0-9]\b", open(os.path.join(dirpath, name)).read()))
    sources = []
    for dirpath, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in (".git", "target", "deploy", "node_modules")]
        if f"{os.sep}src{os.sep}main" in dirpath:
            sources += [os.path.join(dirpath, n) for n in files if n.endswith((".java", ".xml", ".properties"))]
    text = "".join(open(p, errors="replace").read() for p in sources)
    for name in sorted(used):
        if name in text:
            continue
        m = re.match(r"TOKENWARDEN_PROVIDER_[A-Z0-9]+(_CLIENT_ID|_CLIENT_SECRET)$", name)
        if m and m.group(1) in text:
            continue
        # Per-provider variables are read as a prefix, the provider id and a quoted field name.
        m = re.match(r"(TOKENWARDEN_(?:PROVIDER|POLICY)_)[A-Z0-9_]+$", name)
        if m and m.group(1) in text:
            parts = name[len(m.group(1)):].split("_")
            fields = ["_".join(parts[i:]) for i in range(1, len(parts))]
            if any(f'"{f}"' in text or f'"_{f}"' in text for f in fields):
                continue
        r.warn(f"{name} is set in deploy/ but nothing under */src/main (Java, resources) mentions it")


def check(strict):
    r = Report()
    check_yaml_files(r)
    try:
        with open(DASHBOARD) as f:
            json.load(f)
    except (OSError, ValueError) as e:
        r.check(False, f"{rel(DASHBOARD)} is not valid JSON: {e}")
    if r.failures:
        return finish(r, strict)  # the other checks need the files to parse

    dockerfiles = {}

    def dockerfile_checks():
        for name, command in (("stream", ["run", "--stream"]), ("worker", ["run", "--worker"]),
                              ("gateway", ["run", "--gateway"])):
            path = os.path.join(DEPLOY, "docker", f"{name}.Dockerfile")
            dockerfiles[path] = check_dockerfile(r, path, command)

    sections = [
        ("alert rules and tests", lambda: check_rules(r)),
        ("cli/pom.xml", lambda: check_pom(r)),
        ("Dockerfiles", dockerfile_checks),
        ("docker compose", lambda: check_compose(r, dockerfiles)),
        ("Kubernetes", lambda: check_k8s(r)),
        ("Grafana dashboard", lambda: promtool_parse(r, check_dashboard(r))),
        ("metric names", lambda: r.check(
            os.path.exists(METRIC_NAMES) and open(METRIC_NAMES).read() == metric_names_text(),
            f"{rel(METRIC_NAMES)} is stale: run deploy/check.sh --update")),
        ("environment variables", lambda: check_env_names(r)),
    ]
    for title, run in sections:
        try:
            run()
        except Exception as e:  # a missing key or file: report it as a failure of that section
            r.check(False, f"{title}: {type(e).__name__}: {e}")
    return finish(r, strict)


def finish(r, strict):
    for w in r.warnings:
        print(f"  WARN  {w}")
    for f in r.failures:
        print(f"  FAIL  {f}")
    print(f"  structural checks: {r.passed} passed, {len(r.failures)} failed, {len(r.warnings)} warnings")
    return 1 if r.failures or (strict and r.warnings) else 0


def main(argv):
    cmd = argv[1] if len(argv) > 1 else "check"
    if cmd == "check":
        return check("--strict" in argv)
    if cmd == "update":
        update()
        return 0
    if cmd == "metric-names":
        print("\n".join(metric_names(families="--families" in argv)))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
