# Production image: gunicorn behind your load balancer, PostgreSQL and Redis from the environment.
FROM python:3.11-slim AS app

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY requirements.txt ./
RUN pip install -r requirements.txt

RUN useradd --system --uid 10001 --home /app openpolicing
COPY --chown=openpolicing:openpolicing . .

# collectstatic needs settings that load; these build-time values never reach the running container.
RUN DEBUG=false SECRET_KEY=build-only-not-a-secret-0123456789-abcdefghijklmnopqrstuvwxyz \
    ALLOWED_HOSTS=build CAPTCHA_BACKEND=none \
    python manage.py collectstatic --noinput -v0

USER openpolicing
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"

# Migrations run as a separate release step: docker run IMAGE python manage.py migrate
CMD ["gunicorn", "-c", "gunicorn.conf.py", "openpolicing.wsgi"]
