# syntax=docker/dockerfile:1
# Sbor as one image for every role: ROLES (api, worker, relay) chooses what a container runs.
# Not built on the machines this was written on (no container engine there); see docs/operations.md.

# ---- build: every dependency, the web app built into web/dist ----
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The `node` devDependency brings its own Node 24 binary: not needed here, the base image is Node 24.
RUN npm ci --ignore-scripts
COPY . .
RUN npm run build:web

# ---- runtime dependencies only ----
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

# ---- runtime: sources (Node 24 strips the types), production modules, the built web app ----
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    METRICS_PORT=9464
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --chown=root:root package.json ./
COPY --chown=root:root bin ./bin
COPY --chown=root:root src ./src
COPY --chown=root:root deploy ./deploy
COPY --from=build --chown=root:root /app/web/dist ./web/dist
# The files belong to root and are read-only to the service's own user: a compromised process
# cannot rewrite its code. PGlite's ./data is for the embedded default only; containers use PostgreSQL.
USER node
EXPOSE 3000 9464
# /healthz on the operations port answers in every role (api, worker, relay).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.METRICS_PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/sbor.js"]
CMD ["serve"]
