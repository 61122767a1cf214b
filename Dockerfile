# One image for the API and the workers.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci runs the prepare script (scripts/build-web.js), which skips the web app while web/ is absent
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund
COPY tsconfig.json mikro-orm.config.ts ./
COPY src ./src
COPY test ./test
COPY bench ./bench
# the web app (/app, /explorer), which npm ci's prepare step skipped
COPY schema.graphql ./
COPY web ./web
RUN npm run build && npm run build:web -- --force && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/dist-web ./dist-web
COPY package.json ./
USER node
# 4000: the API (PORT); 4001: a worker's health and metrics (WORKER_PORT)
EXPOSE 4000 4001
# roles: api, worker, or all (default); docker-compose.yml runs them apart
CMD ["node", "dist/src/main.js"]
