# syntax=docker/dockerfile:1
#
# Quarry query runner: the worker that takes run jobs from the queue, unwraps connection credentials
# and streams rows back. Stateless: run as many replicas as you like against one database.
#
# Build from the repository root (the context must be the whole workspace):
#   docker build -f docker/query-runner.Dockerfile -t quarry-query-runner .
#
# Kernel processes will run in this image: it holds no secrets and sets no more environment than
# the runner needs; DATABASE_URL and QUARRY_MASTER_KEY come from the orchestrator at run time.
#
# Stages: manifests (package.json files only) -> deps (install) -> runtime. The runner runs
# TypeScript directly through tsx, so there is no compile step.

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
# layer below is rebuilt when a manifest or the lockfile changes, not on every source edit.
FROM pnpm AS manifests
COPY . /src
RUN mkdir /out \
 && cd /src \
 && cp package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc /out/ \
 && find apps packages tooling -name package.json -not -path '*/node_modules/*' -exec cp --parents '{}' /out/ ';'

# ---------------------------------------------------------------------------------------------------
# @quarry/query-runner and the workspace packages it depends on. Dev dependencies of those projects
# come along (tsx, which runs the TypeScript, is one of them), as do the workspace root's.
# isolated-vm ships prebuilt binaries for linux x64 and arm64 (glibc); on another platform its
# install script compiles, which needs python3, make and g++ added to this stage.
FROM pnpm AS deps
COPY --from=manifests /out/ ./
RUN --mount=type=cache,id=quarry-pnpm-store,target=/pnpm/store,sharing=locked \
    pnpm install --frozen-lockfile --prod --store-dir=/pnpm/store --filter-prod '@quarry/query-runner...'

# ---------------------------------------------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    RUNNER_HEALTH_PORT=3001
WORKDIR /app

# Installed dependencies (node_modules of the root and of each installed project), then the sources
# they link to. The tsconfig that apps/query-runner/tsconfig.json extends is read by tsx at start.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /app/packages ./packages
COPY --from=deps /app/apps/query-runner ./apps/query-runner
COPY tooling/tsconfig ./tooling/tsconfig
COPY packages ./packages
COPY apps/query-runner ./apps/query-runner

# Files stay owned by root and read-only to the process; tsx keeps its cache under /tmp.
USER node
WORKDIR /app/apps/query-runner
EXPOSE 3001

# Liveness. slim images have no curl: ask with node's fetch.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.RUNNER_HEALTH_PORT||3001)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# --no-node-snapshot is required by isolated-vm: the runner refuses to start without it.
CMD ["node", "--no-node-snapshot", "--max-semi-space-size=8", "--import", "tsx", "src/main.ts"]
