# rnnviz for a class: one replica of the app, CPU-only torch, run as a user without privileges.
#   docker build -t rnnviz .
#   docker run --rm -p 8501:8501 -v rnnviz-data:/data -e STREAMLIT_SERVER_COOKIE_SECRET=$(openssl rand -hex 32) rnnviz
# Alone, the app keeps its models in an SQLite file under RNNVIZ_DATA (/data, a volume: name one, as above, so a
# new container finds the class's models). Replicas share one Redis instead: -e RNNVIZ_STORE=redis://host:6379/0.
# For several replicas behind one address: deploy/kubernetes.yaml, and README ("Hosting a class on more than one server").
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OMP_NUM_THREADS=1 \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false \
    STREAMLIT_SERVER_HEADLESS=true \
    STREAMLIT_SERVER_FILE_WATCHER_TYPE=none \
    RNNVIZ_DATA=/data

WORKDIR /app

# torch from PyTorch's CPU index: the PyPI wheel would bring several GB of CUDA libraries the app never uses.
# The rest of requirements.txt comes from PyPI as pinned there.
COPY requirements.txt ./
RUN pip install --extra-index-url https://download.pytorch.org/whl/cpu "torch==2.13.0+cpu" \
 && grep -v '^torch' requirements.txt > /tmp/requirements-no-torch.txt \
 && pip install -r /tmp/requirements-no-torch.txt \
 && rm /tmp/requirements-no-torch.txt

# A numeric user, so Kubernetes' runAsNonRoot can tell it is not root; it owns only the data folder.
RUN groupadd --gid 10001 rnnviz \
 && useradd --create-home --uid 10001 --gid 10001 --shell /usr/sbin/nologin rnnviz \
 && mkdir -p /data \
 && chown 10001:10001 /data
VOLUME ["/data"]
COPY --chown=root:root app.py main.py ./
COPY --chown=root:root .streamlit ./.streamlit
COPY --chown=root:root rnnviz ./rnnviz
COPY --chown=root:root ui ./ui
COPY --chown=root:root pages ./pages
USER 10001:10001

EXPOSE 8501
# Streamlit's own health endpoint: 200 once the server is up (the same one the load balancers check).
HEALTHCHECK --interval=15s --timeout=3s --start-period=40s --retries=3 \
  CMD ["python", "-c", "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=2).status != 200)"]

CMD ["streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501"]
