# syntax=docker/dockerfile:1
# One image for every Passerelle process: web (gunicorn), Celery worker, Celery beat, migrate.
# The command is chosen by docker-compose.yml; see docs/deploy.md.

# The same uv release that wrote uv.lock, so that `uv sync --frozen` reads it as written.
ARG UV_VERSION=0.13.9
FROM ghcr.io/astral-sh/uv:${UV_VERSION} AS uv

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    PATH=/opt/venv/bin:$PATH \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/var/media

# WeasyPrint (PDF syntheses) needs Pango and HarfBuzz; DejaVu gives it fonts with French glyphs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu \
    && rm -rf /var/lib/apt/lists/*

COPY --from=uv /uv /uvx /bin/

WORKDIR /app

# Dependencies first (cached while pyproject.toml and uv.lock do not change), without dev tools.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

COPY . .

# Static files are collected (and compressed, with a manifest) into the image at build time.
# The settings refuse to load with DEBUG off and no real secret, so give them throwaway values
# that exist only for this command.
RUN DEBUG=0 \
    SECRET_KEY=build-only-not-a-secret-build-only-not-a-secret-build-only \
    ALLOWED_HOSTS=build.invalid \
    python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 --home-dir /app --shell /usr/sbin/nologin passerelle \
    && mkdir -p /app/var/media \
    && chown -R passerelle:passerelle /app/var

USER passerelle
EXPOSE 8000

CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000"]
