FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=amo_portal.settings.production
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN DJANGO_SECRET_KEY=build DJANGO_ALLOWED_HOSTS=localhost DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --no-input
RUN useradd --create-home portail && mkdir -p /app/media && chown portail /app/media
USER portail
EXPOSE 8000
# gunicorn reads WEB_CONCURRENCY for its number of processes: one per core (docker-compose.yml)
ENV WEB_CONCURRENCY=2
CMD ["gunicorn", "amo_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", "--threads", "3"]
