# One image for the web, worker and beat processes (first version; hardened in a later issue).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=readiness.settings_production
WORKDIR /app

COPY requirements/base.txt requirements/base.txt
RUN pip install --no-cache-dir --require-hashes -r requirements/base.txt

COPY . .
RUN SECRET_KEY=collectstatic-only-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
    python manage.py collectstatic --noinput \
    && useradd --system --home /app tracker && chown -R tracker /app
USER tracker

EXPOSE 8000
CMD ["gunicorn", "readiness.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
