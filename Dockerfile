# syntax=docker/dockerfile:1
# The spotify_assets image. Its default command serves the code location over gRPC (port 4000);
# the EcsRunLauncher starts every run in a task of this same image, and the webserver and daemon
# run from it too with another command (docs/deploy-aws.md). No credential is baked in:
# secrets reach the containers at start, from Secrets Manager.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DAGSTER_HOME=/opt/dagster/dagster_home

RUN groupadd --system --gid 10001 dagster \
    && useradd --system --uid 10001 --gid dagster --create-home --home-dir /home/dagster --shell /usr/sbin/nologin dagster

WORKDIR /opt/dagster/app

# Pinned dependencies first (a layer that survives code changes): uv.lock exported by `make lock`,
# every wheel checked against its hash. Then the project itself without its dev extra; `pip check`
# fails the build if the lock misses a dependency.
COPY deploy/requirements.txt ./deploy/requirements.txt
RUN pip install --require-hashes --requirement deploy/requirements.txt
COPY pyproject.toml setup.py README.md ./
COPY spotify_assets ./spotify_assets
# DL3013 asks to pin what pip installs: "." is this build context, its dependencies are pinned above.
# hadolint ignore=DL3013
RUN pip install --no-deps ".[deploy]" \
    && pip check \
    && rm -rf build ./*.egg-info

# Instance and workspace hold only {env: ...} references, no values.
COPY deploy/dagster.yaml deploy/workspace.yaml ${DAGSTER_HOME}/
RUN chown -R 10001:10001 "${DAGSTER_HOME}"

USER 10001:10001

EXPOSE 4000

CMD ["dagster", "code-server", "start", "-h", "0.0.0.0", "-p", "4000", "-m", "spotify_assets.definitions", "--location-name", "spotify_assets"]
