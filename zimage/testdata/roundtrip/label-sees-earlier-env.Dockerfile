FROM alpine:3.20
ENV V=one
LABEL v=$V
ENV V=two
RUN echo $V
