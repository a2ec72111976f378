# One image for the four services and the console; the app is chosen by SERVICE at build or run time:
#   docker build --build-arg SERVICE=inventory .   or   docker run -e SERVICE=inventory <image>

FROM node:24-bookworm-slim AS build
WORKDIR /app
# patches/ fixes dependencies' bugs that upstream has not released (applied by npm ci's postinstall).
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci
COPY nest-cli.json tsconfig.json ./
COPY apps ./apps
COPY libs ./libs
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Files stay root-owned so the process running as `node` cannot modify its own code.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
ARG SERVICE=order
ENV SERVICE=${SERVICE}
EXPOSE 3000 3001 3002 3003 3004
USER node
# exec replaces the shell so SIGTERM reaches node and the graceful shutdown hooks run.
CMD ["sh", "-c", "exec node dist/apps/$SERVICE/main.js"]
