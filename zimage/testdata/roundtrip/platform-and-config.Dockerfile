ARG BASE=alpine:3.20
FROM --platform=linux/arm64 ${BASE} AS a
ARG BASE
ENV B=${BASE:-none}
USER 1000:1000
WORKDIR rel
VOLUME ["/data", "/logs"]
EXPOSE 80 53/udp
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=5s CMD ["true"]
ADD https://example.com/f.tgz /f.tgz
