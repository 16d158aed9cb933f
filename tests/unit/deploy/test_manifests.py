"""The deployment files checked against each other and against docs/operations.md.

Nothing here needs Docker or a cluster. `kustomize build` runs when `kubectl` or `kustomize` is
on PATH, `docker compose config` when the compose plugin is installed; otherwise those two
tests are skipped.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import re
import shutil
import subprocess
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
K8S = ROOT / "deploy" / "k8s"
BASE = K8S / "base"
OVERLAYS = ("dev", "production")
PROMETHEUS = ROOT / "deploy" / "prometheus"
DOCS = ROOT / "docs" / "operations.md"

SERVICES = ("enrollment", "hazards", "grid", "scoring")
DEV_PORTS = {"enrollment": 8001, "hazards": 8002, "grid": 8003, "scoring": 8004}
PORT = 8000
TOPICS = frozenset(
    [f"gridgov.{s}" for s in SERVICES]
    + ["gridgov.partner.payments"]
    + [f"gridgov.{s}.dlq" for s in SERVICES]
)
METRICS = frozenset(
    {
        "http_requests_total",
        "http_request_duration_seconds",
        "outbox_backlog",
        "events_published_total",
        "events_consumed_total",
        "events_dead_lettered_total",
        "consumer_lag",
        "event_processing_seconds",
        "hazards_open",
        "hazards_overdue",
        "enrolled_persons",
        "completed_persons",
        "deposited_yuan",
        "file_imports_unfinished",
        "file_imports_stalled_total",
        "inspections_due",
        "outbox_oldest_unpublished_age_seconds",
        "consumer_last_progress_timestamp_seconds",
        "relay_publish_failures_total",
    }
)
HISTOGRAMS = ("http_request_duration_seconds", "event_processing_seconds")
# Prometheus' own series, available in every rule.
SYNTHETIC_METRICS = frozenset({"up"})
PER_KIND = (
    "Deployment",
    "Service",
    "ConfigMap",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "Job",
)


# --- loading ------------------------------------------------------------------------------


def load_yaml(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc is not None]


def load_one(path: Path) -> dict[str, Any]:
    (doc,) = load_yaml(path)
    return doc


def kustomization_dirs() -> list[Path]:
    return sorted(path.parent for path in K8S.rglob("kustomization.yaml"))


@cache
def base_objects() -> tuple[dict[str, Any], ...]:
    """The objects the base kustomization lists (its resources are files)."""
    kustomization = load_one(BASE / "kustomization.yaml")
    objects: list[dict[str, Any]] = []
    for resource in kustomization["resources"]:
        objects.extend(load_yaml(BASE / resource))
    return tuple(objects)


def find(objects: tuple[dict[str, Any], ...] | list[dict[str, Any]], kind: str, name: str):
    matches = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected exactly one {kind}/{name}, found {len(matches)}"
    return matches[0]


def compose() -> dict[str, Any]:
    return load_one(ROOT / "docker-compose.yml")


def app_services(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: spec for name, spec in doc["services"].items() if name in SERVICES}


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    return workload["spec"]["template"]["spec"]


def the_container(workload: dict[str, Any]) -> dict[str, Any]:
    (container,) = pod_spec(workload)["containers"]
    return container


def secret_example() -> list[dict[str, Any]]:
    return load_yaml(BASE / "secret.example.yaml")


def inline_patches(kustomization: dict[str, Any]) -> list[Any]:
    return [yaml.safe_load(p["patch"]) for p in kustomization.get("patches", []) if "patch" in p]


# --- the documented environment variables -------------------------------------------------


@cache
def documented_env() -> frozenset[str]:
    """Names in the first column of every docs table whose header starts with `Variable`."""
    names: set[str] = set()
    in_table = False
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            in_table = False
            continue
        first = line.strip("|").split("|")[0].strip()
        if first == "Variable":
            in_table = True
            continue
        if in_table:
            for name in re.findall(r"`([A-Z][A-Z0-9_<>]*)`", first):
                if "<SERVICE>" in name:
                    names.update(name.replace("<SERVICE>", s.upper()) for s in SERVICES)
                else:
                    names.add(name)
    return frozenset(names)


def test_docs_env_table_parses():
    # Guards the parser: these names come straight from the code's conventions.
    core = {
        "GRIDGOV_ENV",
        "GRIDGOV_DATABASE_URL",
        "GRIDGOV_SCORING_DATABASE_URL",
        "KAFKA_BOOTSTRAP_SERVERS",
        "GRIDGOV_JWT_SECRET",
        "GRIDGOV_PII_KEY",
        "GRIDGOV_PARTNER_SECRETS",
        "GRIDGOV_SERVICE_TOKEN",
        "GRIDGOV_MIGRATE_ON_START",
        "GRIDGOV_LOG_LEVEL",
    }
    core |= {f"GRIDGOV_{s.upper()}_URL" for s in SERVICES}
    assert core <= documented_env()


def compose_interpolations() -> set[str]:
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    return set(re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)", text))


def compose_env_names() -> set[str]:
    names = set()
    for spec in app_services(compose()).values():
        names.update(spec["environment"])
    return names


def k8s_env_names() -> set[str]:
    names: set[str] = set()
    for obj in base_objects():
        if obj["kind"] == "ConfigMap":
            names.update(obj["data"])
        if obj["kind"] in ("Deployment", "Job"):
            names.update(env["name"] for env in the_container(obj).get("env", []))
    for secret in secret_example():
        names.update(secret["stringData"])
    for overlay in OVERLAYS:
        kustomization = load_one(K8S / "overlays" / overlay / "kustomization.yaml")
        for generator in kustomization.get("secretGenerator", []):
            names.update(literal.split("=", 1)[0] for literal in generator.get("literals", []))
        for patch in inline_patches(kustomization):
            if isinstance(patch, dict) and patch.get("kind") == "ConfigMap":
                names.update(patch.get("data", {}))
    return names


@pytest.mark.parametrize(
    "where, names",
    [
        ("docker-compose.yml service environment", compose_env_names),
        ("docker-compose.yml ${...} interpolation", compose_interpolations),
        ("deploy/k8s", k8s_env_names),
    ],
)
def test_every_env_name_is_documented(where, names):
    undocumented = names() - documented_env()
    assert not undocumented, f"{where} uses names missing from docs/operations.md: {undocumented}"


# --- Dockerfile -----------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def last_stage(instructions: list[tuple[str, str]]) -> list[tuple[str, str]]:
    starts = [i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM"]
    return instructions[starts[-1] :]


def test_dockerfile_is_a_multistage_slim_build():
    froms = [rest for keyword, rest in dockerfile_instructions() if keyword == "FROM"]
    assert len(froms) >= 2, "builder and runtime stages"
    assert all(rest.split()[0] == "python:3.11-slim" for rest in froms)
    runtime = last_stage(dockerfile_instructions())
    runs = " ".join(rest for keyword, rest in runtime if keyword == "RUN")
    assert "pip install" in runs and "/wheels" in runs, "the runtime installs the built wheels"


def test_dockerfile_runtime_contract():
    runtime = dict(last_stage(dockerfile_instructions()))
    user = runtime["USER"].split(":")[0]
    assert user.isdigit() and int(user) != 0, "numeric non-root user (runAsNonRoot checks it)"
    assert runtime["EXPOSE"] == str(PORT)
    assert json.loads(runtime["ENTRYPOINT"]) == ["gridgov"]
    command = json.loads(runtime["CMD"])
    assert command[:2] == ["serve", "enrollment"]
    assert_listens_on_container_port(command)
    healthcheck = runtime["HEALTHCHECK"]
    assert "python" in healthcheck and f"127.0.0.1:{PORT}/healthz" in healthcheck


def assert_listens_on_container_port(args: list[str]) -> None:
    """`gridgov serve` defaults to the service's dev port, so containers must pass 8000."""
    assert "--port" in args and args[args.index("--port") + 1] == str(PORT), args
    assert "--host" in args and args[args.index("--host") + 1] == "0.0.0.0", args


def test_dockerignore_keeps_the_build_inputs():
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for excluded in (".git", ".venv", "var", "tests"):
        assert excluded in patterns
    for needed in ("pyproject.toml", "README.md", "libs", "services", "libs/common/settings.py"):
        hits = [p for p in patterns if fnmatch.fnmatch(needed, p.removeprefix("**/"))]
        assert not hits, f"{needed} is needed by the image build but ignored by {hits}"


def test_image_wheel_carries_migrations_and_policies():
    """The image installs the wheel, so every migration and policy file must be packaged.

    Mirrors setuptools: packages found by `[tool.setuptools.packages.find]` ship their `.py`
    files, plus the files matching `[tool.setuptools.package-data]` (e.g. a policy in YAML
    would be left out while `*.toml` is the only data pattern).
    """
    setuptools = pytest.importorskip("setuptools")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    tool = config["tool"]["setuptools"]
    find_options = tool["packages"]["find"]
    # pyproject.toml configuration finds namespace packages (no __init__.py) unless told not to.
    find_packages = (
        setuptools.find_namespace_packages
        if find_options.get("namespaces", True)
        else setuptools.find_packages
    )
    packages = find_packages(where=str(ROOT), include=find_options["include"])
    package_data: dict[str, list[str]] = tool.get("package-data", {})
    shipped: set[Path] = set()
    for package in packages:
        directory = ROOT / package.replace(".", "/")
        shipped.update(directory.glob("*.py"))
        for key, patterns in package_data.items():
            if fnmatch.fnmatch(package, key):
                for pattern in patterns:
                    shipped.update(p for p in directory.glob(pattern) if p.is_file())
    needed = {
        path
        for top in ("libs", "services")
        for path in (ROOT / top).rglob("*")
        if path.is_file()
        and {"migrations", "policy"} & set(path.relative_to(ROOT).parts[:-1])
        and "__pycache__" not in path.parts
        and path.suffix not in (".pyc", ".pyo")
    }
    missing = sorted(str(p.relative_to(ROOT)) for p in needed - shipped)
    assert not missing, (
        f"not in the wheel (add a [tool.setuptools.package-data] pattern): {missing}"
    )


# --- docker-compose.yml ---------------------------------------------------------------------


def test_compose_has_the_stack():
    services = compose()["services"]
    assert {*SERVICES, "postgres", "kafka", "prometheus", "grafana"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert services["prometheus"]["image"].startswith("prom/prometheus:")


@pytest.mark.parametrize("service", SERVICES)
def test_compose_service(service):
    spec = compose()["services"][service]
    assert spec["build"] in (".", {"context": "."})
    assert spec["command"][:2] == ["serve", service]
    assert_listens_on_container_port(spec["command"])
    (port,) = spec["ports"]
    *_, host_port, container_port = str(port).split(":")
    assert (host_port, container_port) == (str(DEV_PORTS[service]), str(PORT))
    assert spec["healthcheck"]["test"]
    for dependency in ("postgres", "kafka"):
        assert spec["depends_on"][dependency]["condition"] == "service_healthy"
    assert spec["environment"]["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert "@postgres:5432/" in spec["environment"]["GRIDGOV_DATABASE_URL"]
    for other in SERVICES:
        url = spec["environment"][f"GRIDGOV_{other.upper()}_URL"]
        assert url == f"http://{other}:{PORT}"


def test_compose_only_enrollment_holds_enrollment_secrets():
    for name, spec in app_services(compose()).items():
        holds = {"GRIDGOV_PII_KEY", "GRIDGOV_PARTNER_SECRETS"} & set(spec["environment"])
        assert bool(holds) == (name == "enrollment"), name
    json.loads(compose()["services"]["enrollment"]["environment"]["GRIDGOV_PARTNER_SECRETS"])


def test_compose_dependencies_exist():
    services = compose()["services"]
    for name, spec in services.items():
        depends_on = spec.get("depends_on", {})
        targets = depends_on if isinstance(depends_on, list) else list(depends_on)
        for target in targets:
            assert target in services, f"{name} depends on unknown service {target}"
        if isinstance(depends_on, dict):
            for target, condition in depends_on.items():
                assert condition["condition"] in (
                    "service_started",
                    "service_healthy",
                    "service_completed_successfully",
                )
                if condition["condition"] == "service_healthy":
                    assert "healthcheck" in services[target], f"{target} has no healthcheck"


def test_compose_infrastructure():
    services = compose()["services"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    kafka_env = services["kafka"]["environment"]
    assert set(kafka_env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}, "KRaft"
    assert "PLAINTEXT://kafka:9092" in kafka_env["KAFKA_ADVERTISED_LISTENERS"]
    assert "healthcheck" in services["kafka"]
    assert "healthcheck" in services["prometheus"]
    volumes = compose().get("volumes") or {}
    for name, spec in services.items():
        for volume in spec.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in volumes, f"{name} uses undeclared volume {source}"
    mounts = [v.split(":")[:2] for v in services["prometheus"]["volumes"]]
    assert ["./deploy/prometheus/prometheus.yml", "/etc/prometheus/prometheus.yml"] in mounts


def test_compose_creates_the_topics():
    init = compose()["services"]["kafka-init"]
    script = " ".join(init["command"]) if isinstance(init["command"], list) else init["command"]
    assert set(re.findall(r"gridgov(?:\.[a-z]+)+", script)) == TOPICS
    assert re.search(r"--partitions\s+6\b", script)


def compose_default(variable: str) -> str:
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    (default,) = re.findall(rf"\$\{{{variable}:-([^}}]*)\}}", text)
    return default


def test_dev_service_token_is_signed_with_the_dev_jwt_secret():
    auth = pytest.importorskip("libs.common.auth")
    secret = compose_default("GRIDGOV_JWT_SECRET")
    principal = auth.decode_token(compose_default("GRIDGOV_SERVICE_TOKEN"), secret)
    assert auth.Role.SERVICE in principal.roles
    dev = load_one(K8S / "overlays" / "dev" / "kustomization.yaml")
    literals = dict(
        literal.split("=", 1) for g in dev["secretGenerator"] for literal in g["literals"]
    )
    assert literals["GRIDGOV_JWT_SECRET"] == secret
    assert literals["GRIDGOV_SERVICE_TOKEN"] == compose_default("GRIDGOV_SERVICE_TOKEN")


def test_compose_config_is_valid():
    docker = shutil.which("docker")
    if (
        docker is None
        or subprocess.run(
            [docker, "compose", "version"], capture_output=True, check=False
        ).returncode
    ):
        pytest.skip("the docker compose plugin is not installed")
    result = subprocess.run(
        [docker, "compose", "-f", str(ROOT / "docker-compose.yml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# --- Kubernetes base ------------------------------------------------------------------------


def names_of(kind: str) -> dict[str, str]:
    return {s: f"gridgov-{s}-migrate" if kind == "Job" else f"gridgov-{s}" for s in SERVICES}


@pytest.mark.parametrize("kind", PER_KIND)
def test_base_has_every_object_for_every_service(kind):
    for name in names_of(kind).values():
        find(base_objects(), kind, name)


def test_kustomization_resources_exist():
    dirs = kustomization_dirs()
    assert {BASE, K8S / "overlays" / "dev", K8S / "overlays" / "production"} <= set(dirs)
    assert K8S / "optional" / "strimzi" in dirs
    for directory in dirs:
        kustomization = load_one(directory / "kustomization.yaml")
        assert kustomization.get("resources"), directory
        for resource in kustomization["resources"]:
            path = (directory / resource).resolve()
            assert path.is_file() or (path / "kustomization.yaml").is_file(), (directory, resource)
            assert path.name != "secret.example.yaml", "the Secret example must stay out"
        for patch in kustomization.get("patches", []):
            if "path" in patch:
                assert (directory / patch["path"]).is_file(), (directory, patch["path"])


def test_secret_example_is_documented_and_not_deployed():
    kinds = {(s["kind"], s["metadata"]["name"]) for s in secret_example()}
    assert kinds == {("Secret", "gridgov-secrets"), ("Secret", "gridgov-enrollment-secrets")}
    for secret in secret_example():
        for value in secret["stringData"].values():
            assert "changeme" in value, "example values must be refused by GRIDGOV_ENV=production"
    assert "secret.example.yaml" in DOCS.read_text(encoding="utf-8")


@pytest.mark.parametrize("service", SERVICES)
def test_deployment(service):
    deployment = find(base_objects(), "Deployment", f"gridgov-{service}")
    spec = deployment["spec"]
    assert spec["replicas"] == 2
    pod_labels = spec["template"]["metadata"]["labels"]
    assert spec["selector"]["matchLabels"].items() <= pod_labels.items()
    container = the_container(deployment)
    assert container["args"][:2] == ["serve", service]
    assert_listens_on_container_port(container["args"])
    assert not container.get("command"), "the image's ENTRYPOINT is gridgov"
    assert {"name": "GRIDGOV_MIGRATE_ON_START", "value": "false"} in container["env"]

    assert probe_target(container, "livenessProbe") == ("/healthz", PORT)
    assert probe_target(container, "readinessProbe") == ("/readyz", PORT)
    assert probe_target(container, "startupProbe") == ("/healthz", PORT)

    for section in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][section])
    assert_hardened(deployment)
    assert_env_sources_exist(deployment, service)


def probe_target(container: dict[str, Any], probe: str) -> tuple[str, int]:
    http = container[probe]["httpGet"]
    return http["path"], resolve_port(container, http["port"])


def resolve_port(container: dict[str, Any], port: int | str) -> int:
    if isinstance(port, int):
        return port
    (number,) = [p["containerPort"] for p in container["ports"] if p["name"] == port]
    return number


def assert_hardened(workload: dict[str, Any]) -> None:
    spec = pod_spec(workload)
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] != 0
    assert spec.get("automountServiceAccountToken") is False
    container = the_container(workload)
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    tmp = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]
    assert len(tmp) == 1, "a writable /tmp"
    (volume,) = [v for v in spec["volumes"] if v["name"] == tmp[0]["name"]]
    assert "emptyDir" in volume


def assert_env_sources_exist(workload: dict[str, Any], service: str) -> None:
    secrets = {s["metadata"]["name"] for s in secret_example()}
    sources = the_container(workload)["envFrom"]
    config_maps = [s["configMapRef"]["name"] for s in sources if "configMapRef" in s]
    assert config_maps == ["gridgov-common", f"gridgov-{service}"], "service settings win"
    for name in config_maps:
        find(base_objects(), "ConfigMap", name)
    secret_refs = {s["secretRef"]["name"] for s in sources if "secretRef" in s}
    assert "gridgov-secrets" in secret_refs and secret_refs <= secrets
    assert ("gridgov-enrollment-secrets" in secret_refs) == (service == "enrollment")


@pytest.mark.parametrize("service", SERVICES)
def test_service_hpa_pdb(service):
    deployment = find(base_objects(), "Deployment", f"gridgov-{service}")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    container = the_container(deployment)

    svc = find(base_objects(), "Service", f"gridgov-{service}")
    (port,) = svc["spec"]["ports"]
    assert port["port"] == 80 and resolve_port(container, port["targetPort"]) == PORT
    assert svc["spec"]["selector"].items() <= pod_labels.items()
    annotations = svc["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(PORT)
    assert annotations["prometheus.io/path"] == "/metrics"

    hpa = find(base_objects(), "HorizontalPodAutoscaler", f"gridgov-{service}")
    assert hpa["apiVersion"] == "autoscaling/v2"
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", f"gridgov-{service}")
    assert hpa["spec"]["minReplicas"] == deployment["spec"]["replicas"]
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"] == {"type": "Utilization", "averageUtilization": 70}

    pdb = find(base_objects(), "PodDisruptionBudget", f"gridgov-{service}")
    assert pdb["apiVersion"] == "policy/v1"
    selector = pdb["spec"]["selector"]["matchLabels"]
    assert selector.items() <= pod_labels.items()
    job = find(base_objects(), "Job", f"gridgov-{service}-migrate")
    job_labels = job["spec"]["template"]["metadata"]["labels"]
    assert not selector.items() <= job_labels.items(), "migration pods are not counted"
    assert not deployment["spec"]["selector"]["matchLabels"].items() <= job_labels.items()


@pytest.mark.parametrize("service", SERVICES)
def test_migration_job(service):
    job = find(base_objects(), "Job", f"gridgov-{service}-migrate")
    container = the_container(job)
    assert container["args"] == ["migrate", service]
    assert pod_spec(job)["restartPolicy"] in ("Never", "OnFailure")
    deployment = find(base_objects(), "Deployment", f"gridgov-{service}")
    assert container["image"] == the_container(deployment)["image"]
    assert container["envFrom"] == the_container(deployment)["envFrom"]
    assert_hardened(job)


def test_services_differ_only_by_name():
    """The four services' manifests are one template: drift between them is a bug."""

    def normalized(service: str) -> str:
        objects = [
            o
            for o in base_objects()
            if o["metadata"].get("labels", {}).get("app.kubernetes.io/name") == service
        ]
        assert len(objects) == len(PER_KIND)
        objects = copy.deepcopy(objects)
        for obj in objects:
            if obj["kind"] in ("Deployment", "Job"):
                container = the_container(obj)
                container["envFrom"] = [
                    s
                    for s in container["envFrom"]
                    if s.get("secretRef", {}).get("name") != "gridgov-enrollment-secrets"
                ]
        text = yaml.safe_dump(objects, sort_keys=True)
        return re.sub(rf"(?<!\w){service}(?!\w)", "SERVICE", text)

    reference = normalized(SERVICES[0])
    for service in SERVICES[1:]:
        assert normalized(service) == reference, service


def test_configmaps_reference_kafka_and_services():
    common = find(base_objects(), "ConfigMap", "gridgov-common")["data"]
    assert common["KAFKA_BOOTSTRAP_SERVERS"]
    for service in SERVICES:
        assert common[f"GRIDGOV_{service.upper()}_URL"] == f"http://gridgov-{service}"
    assert "GRIDGOV_DATABASE_URL" not in common, "it carries the password: Secret only"


# --- overlays and the optional Strimzi set ----------------------------------------------------


def kustomize_command() -> list[str] | None:
    if kustomize := shutil.which("kustomize"):
        return [kustomize, "build"]
    if kubectl := shutil.which("kubectl"):
        return [kubectl, "kustomize"]
    return None


def kustomize_build(directory: Path) -> list[dict[str, Any]]:
    command = kustomize_command()
    if command is None:
        pytest.skip("neither kustomize nor kubectl is on PATH")
    result = subprocess.run(
        [*command, str(directory)], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc is not None]


@pytest.mark.parametrize(
    "overlay, env, namespace",
    [("dev", "development", "gridgov-dev"), ("production", "production", "gridgov")],
)
def test_overlay_builds(overlay, env, namespace):
    objects = kustomize_build(K8S / "overlays" / overlay)
    for kind in PER_KIND:
        assert len([o for o in objects if o["kind"] == kind]) >= len(SERVICES), kind
    find(objects, "Namespace", namespace)
    for obj in objects:
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == namespace, obj["metadata"]["name"]
    assert find(objects, "ConfigMap", "gridgov-common")["data"]["GRIDGOV_ENV"] == env
    secrets = {o["metadata"]["name"] for o in objects if o["kind"] == "Secret"}
    for workload in (o for o in objects if o["kind"] in ("Deployment", "Job")):
        image = the_container(workload)["image"]
        assert re.fullmatch(r"[\w.\-/:]+:[\w.\-]+", image), f"untagged image {image}"
        for source in the_container(workload)["envFrom"]:
            if "secretRef" in source and secrets:
                assert source["secretRef"]["name"] in secrets, "generated Secret not referenced"
    for service in SERVICES:
        deployment = find(objects, "Deployment", f"gridgov-{service}")
        hpa = find(objects, "HorizontalPodAutoscaler", f"gridgov-{service}")
        assert hpa["spec"]["minReplicas"] == deployment["spec"]["replicas"]
        assert hpa["spec"]["maxReplicas"] >= hpa["spec"]["minReplicas"]
    if env == "production":
        assert not secrets, "production Secrets are created out of band, never from git"


def test_strimzi_topics():
    directory = K8S / "optional" / "strimzi"
    kustomization = load_one(directory / "kustomization.yaml")
    objects = [o for r in kustomization["resources"] for o in load_yaml(directory / r)]
    topics = [o for o in objects if o["kind"] == "KafkaTopic"]
    assert {t["spec"].get("topicName", t["metadata"]["name"]) for t in topics} == TOPICS
    assert all(t["spec"]["partitions"] == 6 for t in topics)
    (kafka,) = [o for o in objects if o["kind"] == "Kafka"]
    cluster = kafka["metadata"]["name"]
    for obj in objects:
        if obj["kind"] in ("KafkaTopic", "KafkaNodePool"):
            assert obj["metadata"]["labels"]["strimzi.io/cluster"] == cluster
    bootstrap = find(base_objects(), "ConfigMap", "gridgov-common")["data"]
    expected = f"{cluster}-kafka-bootstrap.{kustomization['namespace']}.svc.cluster.local:9092"
    assert bootstrap["KAFKA_BOOTSTRAP_SERVERS"] == expected


def test_strimzi_builds():
    objects = kustomize_build(K8S / "optional" / "strimzi")
    assert len([o for o in objects if o["kind"] == "KafkaTopic"]) == len(TOPICS)


# --- Prometheus -----------------------------------------------------------------------------


def test_prometheus_scrapes_the_compose_services():
    config = load_one(PROMETHEUS / "prometheus.yml")
    compose_services = set(compose()["services"])
    scraped = set()
    for job in config["scrape_configs"]:
        for static in job.get("static_configs", []):
            for target in static["targets"]:
                host, port = target.rsplit(":", 1)
                assert host in compose_services or host == "localhost", target
                if host in SERVICES:
                    assert port == str(PORT)
                    assert job.get("metrics_path", "/metrics") == "/metrics"
                    scraped.add(host)
    assert scraped == set(SERVICES)
    for rule_file in config["rule_files"]:
        assert (PROMETHEUS / rule_file).is_file(), rule_file
    mounted = {v.split(":")[1] for v in compose()["services"]["prometheus"]["volumes"]}
    assert {f"/etc/prometheus/{f}" for f in config["rule_files"]} <= mounted


def alert_rules() -> list[dict[str, Any]]:
    groups = load_one(PROMETHEUS / "alerts.yml")["groups"]
    return [rule for group in groups for rule in group["rules"]]


PROMQL_WORDS = frozenset({"and", "or", "unless", "bool", "offset", "inf", "nan"})


def promql_metric_names(expr: str) -> set[str]:
    """Series names in a PromQL expression (functions, keywords and labels removed)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    expr = re.sub(r"\{[^}]*\}", "", expr)
    expr = re.sub(r"\[[^\]]*\]", "", expr)
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    expr = re.sub(r"\boffset\s+-?\w+", "", expr)
    names = set()
    for match in re.finditer(r"(?<![\w.])([a-zA-Z_:][\w:]*)(\s*\()?", expr):
        if match.group(2) is None and match.group(1).lower() not in PROMQL_WORDS:
            names.add(match.group(1))
    return names


def test_promql_metric_names():
    expr = 'histogram_quantile(0.99, sum by (service, le) (rate(x_bucket{a="b"}[5m]))) > 1e3'
    assert promql_metric_names(expr) == {"x_bucket"}
    assert promql_metric_names("max(a) > max(a offset 1d) and b") == {"a", "b"}


def test_alerts_use_only_the_exposed_metrics():
    allowed = set(METRICS) | SYNTHETIC_METRICS
    allowed |= {f"{h}_{suffix}" for h in HISTOGRAMS for suffix in ("bucket", "sum", "count")}
    for rule in alert_rules():
        unknown = promql_metric_names(rule["expr"]) - allowed
        assert not unknown, f"{rule['alert']} uses unknown metrics {unknown}"


def test_alerts_cover_the_operational_risks():
    rules = alert_rules()
    assert len({r["alert"] for r in rules}) == len(rules), "unique alert names"
    for rule in rules:
        assert rule["labels"]["severity"] in ("critical", "warning", "info"), rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
    exprs = [r["expr"] for r in rules]

    def covered(pattern: str) -> bool:
        return any(re.search(pattern, expr) for expr in exprs)

    assert covered(r"deriv\(outbox_backlog"), "outbox backlog growing"
    assert covered(r"consumer_lag"), "consumer lag"
    assert covered(r"events_dead_lettered_total"), "dead letters"
    assert covered(r'http_requests_total\{status=~"5'), "5xx rate"
    assert covered(r"hazards_overdue"), "overdue hazards rising"
    assert covered(r"file_imports_stalled_total"), "bank-file imports stalled"
    assert covered(r'route="/readyz", status="503"'), "readiness failing"
    assert covered(r"outbox_oldest_unpublished_age_seconds"), "outbox not published"
    assert covered(r"consumer_last_progress_timestamp_seconds"), "consumer stuck"
    assert covered(r"relay_publish_failures_total"), "relay failing to publish"


def test_docs_cover_metrics_alerts_and_operations():
    text = DOCS.read_text(encoding="utf-8")
    for metric in METRICS:
        assert f"`{metric}`" in text, metric
    for rule in alert_rules():
        assert f"`{rule['alert']}`" in text, rule["alert"]
    for topic in ("docker compose up", "kustomize", "gridgov migrate", "advisory lock"):
        assert topic in text
    for service in SERVICES:
        assert f"gridgov_{service}" in text, "backups name every database"


# --- Grafana --------------------------------------------------------------------------------

GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "gridgov.json"


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return loaded


def dashboard_panels() -> list[dict[str, Any]]:
    return [p for p in dashboard()["panels"] if p["type"] != "row"]


def dashboard_exprs() -> list[str]:
    return [t["expr"] for p in dashboard_panels() for t in p.get("targets", [])]


def compose_mounts(service: str) -> dict[str, str]:
    """Container path → host path of a compose service's bind mounts."""
    mounts = {}
    for volume in compose()["services"][service]["volumes"]:
        source, target = volume.split(":")[:2]
        mounts[target] = source
    return mounts


def test_compose_provisions_grafana_beside_prometheus():
    grafana = compose()["services"]["grafana"]
    assert grafana["image"].startswith("grafana/grafana:")
    assert grafana["depends_on"]["prometheus"]["condition"] == "service_healthy"
    assert "healthcheck" in grafana
    mounts = compose_mounts("grafana")
    assert mounts["/etc/grafana/provisioning"] == "./deploy/grafana/provisioning"
    (datasource,) = load_one(GRAFANA / "provisioning" / "datasources" / "prometheus.yml")[
        "datasources"
    ]
    assert datasource["type"] == "prometheus"
    host, port = datasource["url"].removeprefix("http://").split(":")
    assert host == "prometheus" and any(
        p.endswith(f":{port}") for p in compose()["services"]["prometheus"]["ports"]
    )
    (provider,) = load_one(GRAFANA / "provisioning" / "dashboards" / "gridgov.yml")["providers"]
    dashboards_in_container = provider["options"]["path"]
    source = mounts[dashboards_in_container]
    assert (ROOT / source).resolve() == DASHBOARD.parent.resolve()
    home = grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert home == f"{dashboards_in_container}/{DASHBOARD.name}"


def test_dashboard_panels_query_the_provisioned_prometheus():
    (datasource,) = load_one(GRAFANA / "provisioning" / "datasources" / "prometheus.yml")[
        "datasources"
    ]
    ids = [p["id"] for p in dashboard()["panels"]]
    assert len(ids) == len(set(ids)), "unique panel ids"
    assert dashboard()["uid"] == "gridgov"
    for panel in dashboard_panels():
        assert {"x", "y", "w", "h"} <= set(panel["gridPos"]), panel["title"]
        for target in panel.get("targets", []):
            assert target["datasource"]["uid"] == datasource["uid"], panel["title"]
            assert target["expr"].strip(), panel["title"]


def test_dashboard_shows_what_an_operator_needs():
    exprs = dashboard_exprs()

    def shown(pattern: str) -> bool:
        return any(re.search(pattern, expr) for expr in exprs)

    assert shown(r"sum by \(service, route\) \(rate\(http_requests_total"), "request rate"
    assert shown(r'http_requests_total\{[^}]*status=~"5\.\."'), "errors"
    assert shown(r"histogram_quantile\(0\.99, sum by \(service, route, le\)"), "latency"
    assert shown(r"consumer_lag"), "consumer lag"
    assert shown(r"outbox_backlog") and shown(r"outbox_oldest_unpublished_age_seconds")
    assert shown(r"consumer_last_progress_timestamp_seconds"), "consumer progress"
    assert shown(r"events_dead_lettered_total"), "dead letters"
    assert shown(r"relay_publish_failures_total"), "relay errors"
    assert shown(r'type="gridgov\.enrollment\.payment\.recorded\.v1"\}\[1m\]'), "payments/min"
    assert shown(r"file_imports_unfinished"), "imports under way"
    assert shown(r'route="/readyz", status="503"'), "readiness"
    for gauge in ("enrolled_persons", "completed_persons", "deposited_yuan"):
        assert shown(gauge), gauge
    rows = [p["title"] for p in dashboard()["panels"] if p["type"] == "row"]
    assert "Hazards and grid" in rows, "the row the hazards and grid gauges go in"


def test_dashboard_uses_only_the_exposed_metrics():
    allowed = set(METRICS) | SYNTHETIC_METRICS
    allowed |= {f"{h}_{suffix}" for h in HISTOGRAMS for suffix in ("bucket", "sum", "count")}
    for expr in dashboard_exprs():
        unknown = promql_metric_names(expr) - allowed
        assert not unknown, f"{expr} uses unknown metrics {unknown}"
