# The harness image for docker-compose.yml: the checkout, installed editable so `saas-harness run` finds
# scenarios/ and stack/ beside the package, with the pinned dependencies of requirements.lock.
FROM python:3.11-slim
WORKDIR /src
COPY pyproject.toml requirements.lock README.md ./
COPY harness ./harness
COPY stack ./stack
COPY scenarios ./scenarios
COPY loadtests ./loadtests
RUN pip install --no-cache-dir --disable-pip-version-check -c requirements.lock -e .
WORKDIR /work
CMD ["saas-harness", "run", "--json", ".harness/run-summary.json"]
