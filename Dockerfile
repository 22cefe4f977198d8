# Rallye: fetch the dashboard's map library, build the wheel, run it as a non-root user.
# Leaflet comes from the npm registry at build time, pinned and checked (the same pins as the
# Makefile's `assets`); the bot serves it itself, never from a CDN.
FROM node:20-slim AS assets
ARG LEAFLET_VERSION=1.9.4
ARG LEAFLET_SHA256=84c65a256e50657896f54c33bd857b6849ebe94c817803be818bf32a3dde0b77
WORKDIR /assets
RUN npm pack --silent "leaflet@${LEAFLET_VERSION}" \
    && echo "${LEAFLET_SHA256}  leaflet-${LEAFLET_VERSION}.tgz" | sha256sum --check - \
    && tar -xzf "leaflet-${LEAFLET_VERSION}.tgz" \
    && mkdir leaflet && cp -r package/dist/leaflet.js package/dist/leaflet.css \
        package/dist/images package/LICENSE leaflet/

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY --from=assets /assets/leaflet ./bot/dashboard/static/vendor/leaflet
COPY handlers ./handlers
COPY loopback ./loopback
COPY locales ./locales
RUN pip install --no-cache-dir build Babel \
    && python -m build --wheel --outdir /wheels \
    && pybabel compile --statistics -d locales -D messages

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PTB_TIMEDELTA=1 \
    DATABASE_URL=sqlite+aiosqlite:////data/rallye.sqlite3 RALLY_FILE=/app/data/stages.yaml \
    RALLY_LOCALES_DIR=/app/locales RALLY_LISTEN=0.0.0.0 RALLY_PORT=8080
# Pango (HarfBuzz) and Noto's fonts: the PDFs (city guide, certificate, QR cards) in every script
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-core fonts-noto-color-emoji \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 rallye && mkdir -p /data && chown rallye /data
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
COPY data ./data
COPY --from=build /src/locales ./locales
USER rallye
VOLUME ["/data"]
# the web server of both modes: Telegram's webhook and the dashboard (behind an HTTPS proxy),
# and GET /healthz
EXPOSE 8080
# /healthz answers 200 while the bot runs and its database answers, else 503 (urlopen raises);
# on RALLY_HEALTH_PORT when set (its server then listens on 127.0.0.1 by default), else RALLY_PORT
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % (os.environ.get('RALLY_HEALTH_PORT') or os.environ.get('RALLY_PORT', '8080')), timeout=4)"]
CMD ["python", "-m", "bot"]
