# syntax=docker/dockerfile:1.7
#
# One image for every Publisher service (command-api, read-api, projector, kafka-relay,
# publishing-worker). TypeScript runs through tsx, so there is no build step: the image holds the
# production dependencies and the sources, and docker-compose.yml picks the entry file per service.
#
#   docker build --target runtime -t publisher-app .
#   docker run --rm -e DATABASE_URL=... publisher-app tsx services/command-api/src/server.ts

ARG NODE_VERSION=22

# --- base: Node.js with the pnpm version pinned by package.json ("packageManager") -------------
FROM node:${NODE_VERSION}-bookworm-slim AS base
ENV PNPM_HOME=/pnpm \
    PATH=/pnpm:$PATH \
    CI=true
RUN corepack enable
WORKDIR /app
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
RUN corepack install

# --- deps: production dependencies, resolved from the lockfile alone -------------------------
# `pnpm fetch` needs only the lockfile, so this layer (the slow one) is rebuilt only when the
# lockfile changes, not on every source edit.
FROM base AS deps
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm fetch --prod
COPY packages ./packages
COPY services ./services
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm install --prod --frozen-lockfile --offline

# --- runtime: what the services run ----------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# The services run from sources, so workspace packages resolve to their TypeScript sources (the
# condition pnpm-workspace.yaml sets for every script; see packages/contracts/README.md).
ENV NODE_ENV=production \
    NODE_OPTIONS=--conditions=@publisher/source
WORKDIR /app
# tsx is a development dependency of the workspace (tests and scripts use it too); the services
# need only its CLI, installed at the lockfile's version.
COPY package.json ./
RUN npm install --global --no-audit --no-fund "tsx@$(node -p "require('./package.json').devDependencies.tsx")" \
    && npm cache clean --force
COPY --from=deps /app /app
USER node
# The APIs bind HOST (0.0.0.0 in the stack) and their port variable; the projector's, relay's and
# worker's status servers bind STATUS_HOST (the container's loopback unless STATUS_TOKEN is set).
EXPOSE 3000 3001
CMD ["tsx", "services/command-api/src/server.ts"]
