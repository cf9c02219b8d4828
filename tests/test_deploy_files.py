"""The hosting files: the Dockerfile passes hadolint, the Kubernetes manifest is valid for the stated version and
gives its replicas one Redis as their model store, and the local replica set can start that store too."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml

from deploy.check import DOCKERFILE, KUBERNETES_VERSION, MANIFEST, lint_dockerfile, validate_manifest
from deploy.local_replicas import REDIS_SERVER, ReplicaSet, redis_answers


def manifest_objects() -> dict[tuple[str, str], dict]:
    return {(item["kind"], item["metadata"]["name"]): item for item in yaml.safe_load_all(MANIFEST.read_text())}


def container_of(deployment: dict) -> dict:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


def test_the_dockerfile_passes_hadolint():
    result = lint_dockerfile()
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_fails_a_dockerfile_with_faults(tmp_path):
    faulty = tmp_path / "Dockerfile"
    faulty.write_text("FROM python:latest\nRUN apt-get update && apt-get install -y curl\n")
    result = lint_dockerfile(faulty)
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # the 'latest' tag


def test_the_manifest_is_valid_for_the_stated_kubernetes_offline():
    schemas = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
    shipped = schemas / f"v{KUBERNETES_VERSION}-local-strict"
    assert shipped.is_dir(), f"kubernetes-validate does not ship Kubernetes {KUBERNETES_VERSION}'s schemas"
    result = validate_manifest()
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_manifest_check_fails_a_misspelt_field(tmp_path):
    misspelt = tmp_path / "kubernetes.yaml"
    misspelt.write_text(MANIFEST.read_text().replace("failureThreshold", "failureTreshold", 1))
    result = validate_manifest(misspelt)
    assert result.returncode != 0
    assert "failureTreshold" in result.stdout + result.stderr


def test_the_replicas_store_their_models_in_the_manifests_redis():
    objects = manifest_objects()
    app = container_of(objects[("Deployment", "rnnviz")])
    env = [variable["name"] for variable in app["env"]]
    store = next(variable["value"] for variable in app["env"] if variable["name"] == "RNNVIZ_STORE")
    # Kubernetes fills in $(NAME) only from variables listed before it.
    for name in re.findall(r"\$\((\w+)\)", store):
        assert name in env[: env.index("RNNVIZ_STORE")], f"{name} is not defined before RNNVIZ_STORE"

    address = urlsplit(store)
    assert address.scheme == "redis"
    service = objects[("Service", address.hostname)]
    (port,) = service["spec"]["ports"]
    assert port["port"] == address.port
    redis = next(item for item in objects.values() if item["kind"] == "Deployment"
                 and item["spec"]["template"]["metadata"]["labels"] == service["spec"]["selector"])
    container = container_of(redis)
    assert container["image"].startswith("redis:7")
    (target,) = [found for found in container["ports"] if found.get("name") == port["targetPort"]]
    assert target["containerPort"] == 6379  # Redis's own port: its args set no other


def test_the_manifests_redis_asks_for_the_password_the_replicas_are_given():
    objects = manifest_objects()
    app, redis = container_of(objects[("Deployment", "rnnviz")]), container_of(objects[("Deployment", "rnnviz-redis")])
    password = redis["args"][redis["args"].index("--requirepass") + 1]
    (redis_variable,) = re.findall(r"\$\((\w+)\)", password)
    store = next(variable["value"] for variable in app["env"] if variable["name"] == "RNNVIZ_STORE")
    (app_variable,) = re.findall(r"\$\((\w+)\)", urlsplit(store).password)

    def secret_of(container: dict, name: str) -> dict:
        return next(v["valueFrom"]["secretKeyRef"] for v in container["env"] if v["name"] == name)

    assert secret_of(redis, redis_variable) == secret_of(app, app_variable)


def test_the_image_keeps_its_data_in_a_volume_its_user_owns():
    dockerfile = DOCKERFILE.read_text()
    data = re.search(r"RNNVIZ_DATA=(\S+)", dockerfile).group(1)
    assert re.search(rf'^VOLUME \["{re.escape(data)}"\]', dockerfile, re.M)
    user = re.search(r"^USER (\d+):(\d+)$", dockerfile, re.M)
    assert user and int(user.group(1)) != 0
    assert f"chown {user.group(1)}:{user.group(2)} {data}" in dockerfile


def need_redis_server() -> None:
    if shutil.which(REDIS_SERVER):
        return
    if os.environ.get("RNNVIZ_REQUIRE_BROWSER"):
        pytest.fail(f"{REDIS_SERVER} is missing but RNNVIZ_REQUIRE_BROWSER is set (CI installs it)")
    pytest.skip("redis-server is not installed")


def test_a_local_replica_set_with_redis_hands_every_replica_the_store_it_starts(tmp_path):
    need_redis_server()
    replica_set = ReplicaSet(2, logs=tmp_path, redis=True)
    store = replica_set.store
    assert replica_set.env["RNNVIZ_STORE"] == store.url == f"redis://127.0.0.1:{store.port}/0"
    assert ReplicaSet(2, logs=tmp_path / "alone").env.get("RNNVIZ_STORE") == os.environ.get("RNNVIZ_STORE")

    assert not redis_answers(store.port)
    store.start()
    try:
        assert redis_answers(store.port)
    finally:
        store.stop()
    assert not redis_answers(store.port)
