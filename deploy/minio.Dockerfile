# syntax=docker/dockerfile:1
# MinIO built from the same pinned module the Makefile installs for tests
# and 'make run', so the compose file and the tests run one MinIO version.
FROM golang:1.26.8-bookworm AS build
RUN CGO_ENABLED=0 GOBIN=/out go install github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c

FROM debian:12.12-slim
RUN apt-get update \
	&& DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl ca-certificates \
	&& rm -rf /var/lib/apt/lists/*
COPY --from=build /out/minio /usr/local/bin/minio
EXPOSE 9000 9001
ENTRYPOINT ["minio"]
HEALTHCHECK --interval=5s --timeout=5s --retries=20 CMD ["curl", "-fsS", "http://127.0.0.1:9000/minio/health/live"]
