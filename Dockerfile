# One image for every process; the command picks the service (see deploy/k8s).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY plumbing plumbing
COPY services services
COPY gateway gateway
USER 10001
ENV BIND_HOST=0.0.0.0
ENTRYPOINT ["python", "-m", "plumbing.runner"]
