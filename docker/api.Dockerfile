# syntax=docker/dockerfile:1
#
# Quarry API: the Hono server (tRPC, /healthz, /readyz) that also serves the built web app.
# The same image runs the one-shot database migration (see compose.yaml).
#
# Build from the repository root (the context must be the whole workspace):
#   docker build -f docker/api.Dockerfile -t quarry-api .
#
# Stages: manifests (package.json files only) -> deps (runtime install) and web (full install + vite
# build) -> runtime. The apps run TypeScript directly through tsx, so there is no compile step.

ARG NODE_VERSION=24.21.0
ARG PNPM_VERSION=10.34.9

# ---------------------------------------------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS pnpm
ARG PNPM_VERSION
ENV CI=true \
    npm_config_update_notifier=false
RUN npm install --global --no-fund --no-audit "pnpm@${PNPM_VERSION}" && npm cache clean --force
WORKDIR /app

# ---------------------------------------------------------------------------------------------------
# Only what `pnpm install` reads. BuildKit keys later COPYs of this stage by content, so the install
# layers below are rebuilt when a manifest or the lockfile changes, not on every source edit.
FROM pnpm AS manifests
COPY . /src
RUN mkdir /out \
 && cd /src \
 && cp package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc /out/ \
 && find apps packages tooling -name package.json -not -path '*/node_modules/*' -exec cp --parents '{}' /out/ ';'

# ---------------------------------------------------------------------------------------------------
# What the API process loads: @quarry/api-server and the workspace packages it depends on. Dev
# dependencies of those projects come along (tsx, which runs the TypeScript, is one of them), as do
# the workspace root's (pnpm always installs the root).
FROM pnpm AS deps
COPY --from=manifests /out/ ./
RUN --mount=type=cache,id=quarry-pnpm-store,target=/pnpm/store,sharing=locked \
    pnpm install --frozen-lockfile --prod --store-dir=/pnpm/store --filter-prod '@quarry/api-server...'

# ---------------------------------------------------------------------------------------------------
# The web app, built with vite. Its imports reach workspace packages listed as devDependencies
# (@quarry/contracts), so this install follows dev edges too. Only apps/web/dist leaves this stage.
FROM pnpm AS web
COPY --from=manifests /out/ ./
RUN --mount=type=cache,id=quarry-pnpm-store,target=/pnpm/store,sharing=locked \
    pnpm install --frozen-lockfile --store-dir=/pnpm/store --filter '@quarry/web...'
COPY . .
RUN pnpm --filter @quarry/web build \
 && test -f apps/web/dist/index.html

# ---------------------------------------------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    QUARRY_WEB_DIST=/app/apps/web/dist
WORKDIR /app

# Installed dependencies (node_modules of the root and of each installed project), then the sources
# they link to. The tsconfig that apps/api/tsconfig.json extends is read by tsx at start.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /app/packages ./packages
COPY --from=deps /app/apps/api ./apps/api
COPY tooling/tsconfig ./tooling/tsconfig
COPY packages ./packages
COPY apps/api ./apps/api
COPY --from=web /app/apps/web/dist ./apps/web/dist

# Files stay owned by root and read-only to the process; tsx keeps its cache under /tmp.
USER node
WORKDIR /app/apps/api
EXPOSE 3000

# Liveness. slim images have no curl: ask with node's fetch.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

CMD ["node", "--no-node-snapshot", "--max-semi-space-size=8", "--import", "tsx", "src/main.ts"]
