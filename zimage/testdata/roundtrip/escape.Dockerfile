# escape=`
FROM alpine:3.20
ENV A="x `"quoted`" y" B=plain
RUN echo `
  $A
LABEL "key with space"="v`"1"
