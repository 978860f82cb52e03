# Rust runtime template (zlayer). Expects Cargo.toml, whose first
# `name = "..."` line names the binary, and sources in src/.
FROM rust:alpine AS builder
WORKDIR /app
RUN apk add --no-cache musl-dev
COPY Cargo.toml Cargo.lock* ./
COPY src ./src
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/app/target \
    cargo build --release && \
    name="$(sed -n 's/^name *= *"\([^"]*\)".*/\1/p' Cargo.toml | head -n 1)" && \
    mkdir -p /out && \
    cp "target/release/$name" /out/app

FROM alpine:latest
WORKDIR /app
COPY --from=builder /out/app ./app
CMD ["./app"]
