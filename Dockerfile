# The gateway's container image. One stage builds with every dependency; the image keeps the
# production dependencies and the compiled code only, and runs as an unprivileged user.
# .ci/dockerfile.ts runs these steps on a clean copy of the repository in CI, so they stay true.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build
RUN npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# README.md: `oauth-gateway --help` lists the settings from its tables.
COPY package.json README.md ./
# The embedded audit store's directory (GATEWAY_DATA_DIR, ./data), writable by the user it runs as;
# mount a volume there to keep the trail, or set GATEWAY_DATABASE_URL instead.
RUN mkdir -p data && chown 1000:1000 data
# The node image's own unprivileged user, by number so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 4000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
