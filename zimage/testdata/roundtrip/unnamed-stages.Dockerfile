FROM alpine:3.20 AS base
WORKDIR /src
RUN make
FROM base
COPY --from=0 out /out
FROM scratch
COPY --from=1 /out /
CMD ["a"]
CMD ["b"]
ENTRYPOINT ["/x"]
