# syntax=docker/dockerfile:1
# One image for the four services; the command picks the service:
#   docker run gridgov serve hazards      docker run gridgov migrate hazards

FROM python:3.11-slim AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY libs ./libs
COPY services ./services
# Wheels for gridgov and every dependency, so the runtime stage installs offline.
RUN pip wheel --wheel-dir /wheels .

FROM python:3.11-slim AS runtime
LABEL org.opencontainers.image.title="gridgov" \
      org.opencontainers.image.description="gridgov services (enrollment, hazards, grid, scoring)"
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN groupadd --system --gid 10001 gridgov \
 && useradd --system --uid 10001 --gid gridgov --create-home --home-dir /home/gridgov \
      --shell /usr/sbin/nologin gridgov
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels gridgov
WORKDIR /home/gridgov
# Numeric, so that Kubernetes' runAsNonRoot can verify it without resolving names.
USER 10001:10001
EXPOSE 8000
# Liveness only (no dependencies); slim has no curl.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["gridgov"]
# Host and port are explicit so the image does not depend on the CLI defaults (dev ports 8001-8004).
CMD ["serve", "enrollment", "--host", "0.0.0.0", "--port", "8000"]
