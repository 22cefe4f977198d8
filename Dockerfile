# Rallye: build the wheel in one stage, run it as a non-root user in the next.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
RUN pip install --no-cache-dir build && python -m build --wheel --outdir /wheels

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PTB_TIMEDELTA=1 \
    DATABASE_URL=sqlite+aiosqlite:////data/rallye.sqlite3 RALLY_FILE=/app/data/stages.yaml
RUN useradd --create-home --uid 10001 rallye && mkdir -p /data && chown rallye /data
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
COPY data ./data
COPY locales ./locales
USER rallye
VOLUME ["/data"]
CMD ["python", "-m", "bot"]
