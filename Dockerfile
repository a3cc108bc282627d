# The Slipway image that Config/kubernetes/overlays/* run:
#   docker build --build-arg VERSION=0.1.0 --build-arg REVISION=$(git rev-parse HEAD) -t ghcr.io/ORG/slipway:0.1.0 .
#
# Build stage: the Swift toolchain on Debian 12 with the C libraries' -dev packages; the Swift runtime is linked in
# statically, so the runtime stage needs only the C libraries, git and ssh.
ARG SWIFT_IMAGE=swift:6.3-bookworm
FROM ${SWIFT_IMAGE} AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libcurl4-openssl-dev libssl-dev libmicrohttpd-dev libsqlite3-dev libpq-dev libwebsockets-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
RUN swift build -c release --static-swift-stdlib --product slipway \
    && install -m 0755 .build/release/slipway /usr/local/bin/slipway

# Runtime stage: Debian 12 slim with exactly the shared libraries `ldd slipway` lists (libcurl pulls in its own),
# git and ssh for the GitOps repository, CA certificates for Slack, PagerDuty and the Kubernetes API, and tini as
# PID 1: it forwards SIGTERM to Slipway (which drains) and reaps the orphaned children git's ssh leaves behind.
FROM debian:bookworm-slim
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="slipway" \
      org.opencontainers.image.description="Slack chat-ops deploy bot with its own GitOps deploy core" \
      org.opencontainers.image.source="https://github.com/nortinia-ltd/slipway" \
      org.opencontainers.image.url="https://github.com/nortinia-ltd/slipway" \
      org.opencontainers.image.documentation="https://github.com/nortinia-ltd/slipway/tree/main/docs" \
      org.opencontainers.image.vendor="Nortinia Ltd" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="docker.io/library/debian:bookworm-slim"
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libcurl4 libssl3 libmicrohttpd12 libsqlite3-0 libpq5 libwebsockets17 libstdc++6 git openssh-client ca-certificates tzdata \
        tini \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 10001 --user-group --home-dir /var/lib/slipway --create-home --shell /usr/sbin/nologin slipway
COPY --from=build /usr/local/bin/slipway /usr/local/bin/slipway
USER 10001
WORKDIR /var/lib/slipway
# 8080: Slack and the webhooks (server.port); 9090: /metrics, /healthz, /ready (server.adminPort).
EXPOSE 8080 9090
# Docker and Compose run this; Kubernetes ignores it and uses the Deployment's probes on the admin port instead.
# `slipway healthcheck` exits 0 when the configured server's /ready answers 200.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["/usr/local/bin/slipway", "healthcheck", "--config", "/etc/slipway/slipway.json"]
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/slipway"]
CMD ["serve", "--config", "/etc/slipway/slipway.json"]
