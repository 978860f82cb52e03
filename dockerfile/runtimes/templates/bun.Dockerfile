# Bun runtime template (zlayer). Expects package.json; the entry point is
# index.ts.
FROM oven/bun:latest AS builder
WORKDIR /app
COPY package.json bun.lock* ./
RUN bun install --frozen-lockfile --production

FROM oven/bun:latest
WORKDIR /app
COPY --from=builder /app/node_modules ./node_modules
COPY . .
USER bun
CMD ["bun", "run", "index.ts"]
