# cyberduty — one image for the API and the worker (the command picks which).
# Not built on the development machines (no registry access for base images there); see README
# "Container image and compose". Build: docker build -t cyberduty .
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    SCARF_ANALYTICS=false \
    DATA_DIR=/var/lib/cyberduty \
    HOST=0.0.0.0 \
    PORT=3000 \
    WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js

WORKDIR /app
# Dependencies first (cached while only the code changes). The entry points run TypeScript through
# @swc-node/register, so the dev dependencies stay; nothing is compiled at run time but the swc pass.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund && npm cache clean --force

COPY . .
# The workflow bundle, built once: every worker of this image runs exactly this code (replay-safe
# deploys compare bundles, not source trees).
RUN npm run -s bundle:workflows -- /app/dist/workflow-bundle.js \
 && mkdir -p /var/lib/cyberduty && chown node:node /var/lib/cyberduty

USER node
EXPOSE 3000
# API: /healthz (alive) for the liveness probe, /readyz for readiness.
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Default: the API. The worker: `docker run … cyberduty npm run worker`.
CMD ["npm", "run", "api"]
