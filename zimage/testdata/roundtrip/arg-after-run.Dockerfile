FROM alpine:3.20
RUN echo before
ARG LATE=1
RUN echo "$LATE"
