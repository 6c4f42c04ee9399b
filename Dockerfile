# Production image for the API and the worker (same image, different command).
FROM node:20.20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY prisma.config.ts ./
# The image always talks to an external Temporal (TEMPORAL_ADDRESS): no CLI to build at install.
ENV DURABLE_ORDERS_SKIP_TEMPORAL_CLI=1
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20.20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts are skipped: the Prisma client was generated and compiled into dist/ in the build stage.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY prisma ./prisma
# The operator console is served as plain ES modules straight from its source folder.
COPY src/console ./src/console
USER node
ENTRYPOINT ["node", "--enable-source-maps", "dist/src/main.js"]
CMD ["api"]
