# syntax=docker/dockerfile:1
# One image per deployable, named after it (one name everywhere):
#   docker build --build-arg FUNCTION=orders -t orders .      (a folder under functions/, or web)
# build:   installs the workspace and bundles the deployable (scripts/image.ts), which also writes a
#          package.json + lockfile naming only the packages the bundle leaves external;
# deps:    installs exactly those, at the versions the repo's lockfile pins;
# runtime: distroless Node, no shell, no npm, running as the non-root user 65532.
# The builder may run a newer Node than development (20): the same lockfile installs and tests on both.

ARG NODE_VERSION=22

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
# Before FUNCTION is declared, so every image of one commit shares this layer (and builds the SPA once).
RUN npm run build
ARG FUNCTION
RUN test -n "$FUNCTION" || { echo 'missing --build-arg FUNCTION=<function folder or web>' >&2; exit 1; }
RUN node --import tsx scripts/image.ts "$FUNCTION" /image

FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /image
COPY --from=build /image/package.json /image/package-lock.json ./
# mkdir: a deployable with no external package (web) still gets a node_modules to copy.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund && mkdir -p node_modules

FROM gcr.io/distroless/nodejs${NODE_VERSION}-debian12:nonroot AS runtime
WORKDIR /app
COPY --from=deps /image/node_modules ./node_modules
COPY --from=build /image/ ./
USER 65532:65532
# Knative sets PORT (8080 by default); the kit listens on it.
EXPOSE 8080
CMD ["main.mjs"]
