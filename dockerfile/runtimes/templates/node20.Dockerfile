# Node.js 20 runtime template (zlayer). Expects package.json (and a lock
# file for npm ci); the entry point is index.js.
ARG NODE_ENV=production

FROM node:20-alpine AS builder
WORKDIR /app
COPY package*.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev

FROM node:20-alpine
ARG NODE_ENV
WORKDIR /app
COPY --from=builder /app/node_modules ./node_modules
COPY . .
ENV NODE_ENV=${NODE_ENV}
USER node
CMD ["node", "index.js"]
