# The Slipway image that Config/kubernetes/slipway.yaml runs: `docker build -t ghcr.io/ORG/slipway:VERSION .`
#
# Build stage: the Swift toolchain on Debian 12 with the C libraries' -dev packages; the Swift runtime is linked in
# statically, so the runtime stage needs only the C libraries, git and ssh.
ARG SWIFT_IMAGE=swift:6.3-bookworm
FROM ${SWIFT_IMAGE} AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libcurl4-openssl-dev libssl-dev libmicrohttpd-dev libsqlite3-dev libpq-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
RUN swift build -c release --static-swift-stdlib --product slipway \
    && install -m 0755 .build/release/slipway /usr/local/bin/slipway

# Runtime stage: Debian 12 slim with exactly the shared libraries `ldd slipway` lists (libcurl pulls in its own),
# git and ssh for the GitOps repository, and CA certificates for Slack, PagerDuty and the Kubernetes API.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libcurl4 libssl3 libmicrohttpd12 libsqlite3-0 libpq5 libstdc++6 git openssh-client ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 10001 --user-group --home-dir /var/lib/slipway --create-home --shell /usr/sbin/nologin slipway
COPY --from=build /usr/local/bin/slipway /usr/local/bin/slipway
USER 10001
WORKDIR /var/lib/slipway
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/slipway"]
CMD ["serve", "--config", "/etc/slipway/slipway.json"]
