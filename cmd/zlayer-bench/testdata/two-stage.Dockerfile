# Two-stage build measured by zlayer-bench.

FROM localhost/busybox:latest AS build
WORKDIR /src
COPY a.txt b.txt /src/
RUN cat a.txt b.txt | sha256sum > /src/ab.sum
COPY lib /src/lib/
RUN find lib -type f | sort | xargs cat | sha256sum > /src/lib.sum

FROM localhost/busybox:latest AS app
WORKDIR /app
COPY main.txt /app/
COPY --from=build /src/ab.sum /src/lib.sum /app/
RUN cat /app/ab.sum /app/lib.sum > /app/manifest
CMD ["cat", "/app/manifest"]
