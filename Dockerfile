# One image for every process; the Deployment's args pick the service class:
#   python -m plumbing.runner services.coupons.service:CouponsService
# It runs as a numeric non-root user (runAsNonRoot can verify it) on a read-only root
# filesystem: bytecode is compiled at build time, and only /tmp (an emptyDir) is writable.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 HOME=/tmp
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY plumbing plumbing
COPY contracts contracts
COPY services services
COPY gateway gateway
RUN python -m compileall -q plumbing contracts services gateway
USER 10001:10001
ENV BIND_HOST=0.0.0.0
EXPOSE 8080
# exec form: the runner is PID 1 and receives SIGTERM itself (bounded graceful shutdown)
ENTRYPOINT ["python", "-m", "plumbing.runner"]
