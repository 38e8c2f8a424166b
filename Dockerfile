# syntax=docker/dockerfile:1
# The spotify_assets image. Its default command serves the code location over gRPC (port 4000);
# the EcsRunLauncher starts every run in a task of this same image, and the webserver and daemon
# run from it too with another command (docs/deploy-aws.md). No credential is baked in:
# secrets reach the containers at start, from Secrets Manager. It runs as user 10001 with a
# read-only root filesystem: nothing is written outside /tmp.
#
# The base is pinned by digest (a tag is rebuilt upstream under the same name); the tag beside it
# says which one. Move both together, after `docker buildx imagetools inspect python:3.11-slim-bookworm`.
FROM python:3.11-slim-bookworm@sha256:a36c24f9cbdf4fd0f52d67f0823eeac19c2028c637cecc392d97f980d4fec56b

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DAGSTER_HOME=/opt/dagster/dagster_home \
    PGSSLROOTCERT=/opt/dagster/rds-ca/global-bundle.pem \
    MPLCONFIGDIR=/tmp/matplotlib

RUN groupadd --system --gid 10001 dagster \
    && useradd --system --uid 10001 --gid dagster --no-create-home --home-dir /tmp --shell /usr/sbin/nologin dagster

WORKDIR /opt/dagster/app

# Pinned dependencies first (a layer that survives code changes): uv.lock exported by `make lock`,
# every wheel checked against its hash. Then the project itself without its dev extra, from this
# build context, with no index and no build isolation: nothing reaches the image unhashed (the
# build backend, setuptools, is in the lock). `pip check` fails the build if the lock misses a
# dependency.
COPY deploy/requirements.txt ./deploy/requirements.txt
RUN pip install --require-hashes --requirement deploy/requirements.txt
COPY pyproject.toml setup.py README.md ./
COPY spotify_assets ./spotify_assets
# DL3013 asks to pin what pip installs: "." is this build context, its dependencies are pinned above.
# hadolint ignore=DL3013
RUN pip install --no-deps --no-index --no-build-isolation ".[deploy]" \
    && pip check \
    && rm -rf build ./*.egg-info

# Amazon RDS's CA bundle, which libpq checks the database's certificate against (sslmode
# verify-full in deploy/dagster.yaml reads it from PGSSLROOTCERT), fetched over HTTPS from AWS.
ADD --chmod=0444 https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem /opt/dagster/rds-ca/global-bundle.pem

# Instance and workspace hold only {env: ...} references, no values: owned by root, read-only.
COPY --chown=0:0 --chmod=0444 deploy/dagster.yaml deploy/workspace.yaml ${DAGSTER_HOME}/

USER 10001:10001

EXPOSE 4000

# What the ECS task definitions repeat as their healthCheck (ECS ignores this instruction).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["dagster", "api", "grpc-health-check", "-p", "4000"]

CMD ["dagster", "code-server", "start", "-h", "0.0.0.0", "-p", "4000", "-m", "spotify_assets.definitions", "--location-name", "spotify_assets"]
