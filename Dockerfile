# syntax=docker/dockerfile:1
# Two images from one build:
#   app   – web (gunicorn), Celery worker and beat, and one-off commands (migrate, backups…);
#   proxy – nginx with the static files collected from the same build, which also serves
#           documents once the application has allowed a download (X-Accel-Redirect).
# docker-compose.yml builds both (`docker compose build`).

FROM python:3.11-slim-bookworm AS app

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=readiness.settings_production \
    MEDIA_ROOT=/data/media \
    STATIC_ROOT=/app/staticfiles
WORKDIR /app

# The application runs as an unprivileged user that cannot modify its own code.
RUN groupadd --system --gid 10001 tracker \
    && useradd --system --uid 10001 --gid tracker --home-dir /nonexistent \
       --no-create-home --shell /usr/sbin/nologin tracker

COPY requirements/base.txt requirements/base.txt
RUN pip install --require-hashes -r requirements/base.txt

COPY . .
# collectstatic needs a secret key to import the production settings; this one is thrown away.
RUN SECRET_KEY="collectstatic-only-$(python -c 'import secrets; print(secrets.token_hex(32))')" \
       python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /data/media \
    && chown tracker:tracker /data/media

USER tracker
EXPOSE 8000
# Settings in gunicorn.conf.py (workers from WEB_CONCURRENCY).
CMD ["gunicorn", "readiness.wsgi:application"]


FROM nginx:1.27-alpine AS proxy
COPY docker/nginx.conf.template /etc/nginx/templates/default.conf.template
COPY --from=app /app/staticfiles /srv/www/static
