# Rallye: build the wheel in one stage, run it as a non-root user in the next.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
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
RUN useradd --create-home --uid 10001 rallye && mkdir -p /data && chown rallye /data
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
COPY data ./data
COPY --from=build /src/locales ./locales
USER rallye
VOLUME ["/data"]
# the web server of both modes: Telegram's webhook (behind an HTTPS proxy) and GET /healthz
EXPOSE 8080
# /healthz answers 200 while the bot runs and its database answers, else 503 (urlopen raises);
# on RALLY_HEALTH_PORT when set (its server then listens on 127.0.0.1 by default), else RALLY_PORT
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % (os.environ.get('RALLY_HEALTH_PORT') or os.environ.get('RALLY_PORT', '8080')), timeout=4)"]
CMD ["python", "-m", "bot"]
