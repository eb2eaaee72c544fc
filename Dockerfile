# syntax=docker/dockerfile:1
# Production image: build a wheel in one stage, install it into a slim runtime in the next.
# Migrations run as an entrypoint step (docker/entrypoint.sh), then the app is served.

ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim-bookworm AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml constraints.txt README.md alembic.ini babel.cfg ./
COPY app ./app
COPY integrations ./integrations
COPY search ./search
COPY referrals ./referrals
COPY web ./web
# The wheel of the project plus the wheels of every pinned dependency, so the runtime needs no compiler.
RUN pip wheel --wheel-dir /wheels -c constraints.txt .

FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    ENVIRONMENT=production \
    DATA_DIR=/var/lib/tarjotin \
    WEB_CONCURRENCY=2
# Voikko gives the search index Finnish base forms and compound parts.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends libvoikko1 voikko-fi \
    && rm -rf /var/lib/apt/lists/*
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels palvelutarjotin
RUN groupadd --system --gid 10001 tarjotin \
    && useradd --system --uid 10001 --gid tarjotin --home-dir /var/lib/tarjotin --shell /usr/sbin/nologin tarjotin \
    && mkdir -p /var/lib/tarjotin \
    && chown tarjotin:tarjotin /var/lib/tarjotin
COPY --chmod=0755 docker/entrypoint.sh /usr/local/bin/tarjotin-entrypoint
# The demo catalogue, for `docker compose run app demo load` on a trial installation.
COPY demo/ptv-v11 /opt/tarjotin/demo/ptv-v11
USER tarjotin
WORKDIR /var/lib/tarjotin
VOLUME ["/var/lib/tarjotin"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]
ENTRYPOINT ["tarjotin-entrypoint"]
CMD ["serve"]
