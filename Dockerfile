# The production image, as documentation of the production shape (see docker-compose.yml and the
# README's "Production"): nothing in this repository needs Docker to build, run or test.
#
#   docker build -t orderdesk-admin .
#   docker run --env-file .env -p 8000:8000 orderdesk-admin
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/app/var

WORKDIR /app

# Dependencies first (pinned by constraints.txt), so a code change does not reinstall them.
COPY pyproject.toml constraints.txt README.md ./
RUN pip install -c constraints.txt .

COPY . .

# Static files are collected into the image; whitenoise serves them. The build needs a secret key and
# an encryption key only to load the settings: throwaway ones, never written to the image.
RUN useradd --system --uid 10001 --home-dir /app app \
    && SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
       ENCRYPTION_KEYS="v1:$(python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')" \
       python manage.py collectstatic --noinput --verbosity 0 \
    && chown -R app:app /app/var

USER app
EXPOSE 8000

# The production command: several stateless workers (they share PostgreSQL and Redis), the app alone
# reads X-Forwarded-For (only from TRUSTED_PROXIES), and on SIGTERM each worker stops accepting
# connections and finishes its requests in flight for up to 30 s (an operation's whole upstream budget).
CMD ["uvicorn", "orderdesk_admin.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--workers", "4", "--lifespan", "on", "--timeout-graceful-shutdown", "30", "--no-proxy-headers"]
