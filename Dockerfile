# Rallye: build the wheel in one stage, run it as a non-root user in the next.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY locales ./locales
RUN pip install --no-cache-dir build Babel \
    && python -m build --wheel --outdir /wheels \
    && pybabel compile --statistics -d locales -D messages

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PTB_TIMEDELTA=1 \
    DATABASE_URL=sqlite+aiosqlite:////data/rallye.sqlite3 RALLY_FILE=/app/data/stages.yaml \
    RALLY_LOCALES_DIR=/app/locales
RUN useradd --create-home --uid 10001 rallye && mkdir -p /data && chown rallye /data
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
COPY data ./data
COPY --from=build /src/locales ./locales
USER rallye
VOLUME ["/data"]
CMD ["python", "-m", "bot"]
