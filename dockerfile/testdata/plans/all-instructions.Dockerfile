# syntax=docker/dockerfile:1
ARG GO_VERSION=1.22
ARG BASE
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
ARG TARGETOS TARGETARCH=amd64
ENV CGO_ENABLED=0 GOFLAGS="-mod=readonly -trimpath"
ENV LEGACY some value
WORKDIR /src
RUN --mount=type=cache,target=/go/pkg/mod,id=gomod,sharing=locked,mode=0755,uid=1000,gid=1000 \
    --mount=type=bind,from=deps,source=/vendor,target=/src/vendor,rw \
    --mount=type=tmpfs,target=/tmp,size=64m \
    --mount=type=secret,id=token,target=/run/secrets/token,required,mode=0400,uid=0,gid=0 \
    --mount=type=secret,id=npm,env=NPM_TOKEN \
    --mount=type=ssh,id=default,required=true \
    --network=none --security=sandbox \
    go build -o /out/app ./cmd/app
RUN ["/bin/sh", "-c", "echo exec form"]
RUN <<EOF bash
set -e
echo "$GO_VERSION"
EOF
COPY --chown=app:app --chmod=0644 --link --exclude=*.md --exclude=docs --parents go.mod go.sum ./
COPY --from=deps /vendor /src/vendor
COPY <<-"CONF" /etc/app.conf
	key = ${VALUE}
	CONF
ADD --checksum=sha256:0123 --keep-git-dir=true --chown=1 --chmod=755 --link --exclude=.git https://example.com/x.tar.gz /x/

FROM alpine:3.20
LABEL org.opencontainers.image.title="app" version=1
MAINTAINER Jane <jane@example.com>
USER app:app
EXPOSE 8080/tcp 53/udp 443
VOLUME ["/data", "/logs"]
VOLUME /cache
STOPSIGNAL SIGTERM
SHELL ["/bin/ash", "-eo", "pipefail", "-c"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --start-interval=2s --retries=3 \
  CMD wget -qO- http://localhost:8080/health || exit 1
ONBUILD COPY . /app
ONBUILD RUN echo triggered
ENTRYPOINT ["/usr/local/bin/app"]
CMD app --help

FROM build
HEALTHCHECK NONE
CMD ["serve", "--port", "8080"]
ENTRYPOINT /bin/app serve
