# Deno runtime template (zlayer). Expects main.ts (and optionally deps.ts,
# deno.json and deno.lock). The image's entrypoint runs deno with CMD.
FROM denoland/deno:latest
WORKDIR /app
COPY deno.json* deno.lock* deps.ts* ./
RUN deno cache deps.ts 2>/dev/null || true
COPY . .
RUN deno cache main.ts
USER deno
CMD ["run", "--allow-net", "--allow-read", "--allow-env", "main.ts"]
