# Etalase on a small server (a cooperative, a training centre): the same pip route as the
# tested one (tests/test_workshop.py builds the wheel with `pip wheel . --no-deps` and runs
# `etalase process` and `etalase serve` from it), plus the models baked in at build time.
#   docker build -t etalase .
#   docker run -p 7860:7860 -e ETALASE_ACCESS_CODE=KODE123 etalase
# Without ETALASE_ACCESS_CODE the app makes a code up at start and prints it (docker logs).
FROM python:3.11-slim

WORKDIR /src
COPY . .
# npm: the registry route for the better model when the build has no direct internet.
RUN apt-get update && apt-get install -y --no-install-recommends npm && rm -rf /var/lib/apt/lists/* \
 && python -m pip install --no-cache-dir --upgrade pip \
 && python -m pip wheel . --no-deps -w /tmp/dist \
 && python -m pip install --no-cache-dir -c requirements.txt /tmp/dist/etalase-*.whl \
 && rm -rf /tmp/dist /src
WORKDIR /data
ENV ETALASE_MODELS=/opt/etalase/models ETALASE_CACHE_DIR=/tmp/etalase-app
RUN etalase models install

EXPOSE 7860
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:7860/healthz', timeout=4)"
CMD ["etalase", "serve", "--host", "0.0.0.0", "--port", "7860"]
