# syntax=docker/dockerfile:1

# --- build -------------------------------------------------------------------
FROM golang:1.26.8-bookworm AS build
WORKDIR /src

# Dependencies first, so that they are cached apart from the source.
COPY go.mod go.sum ./
RUN go mod download

COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/qmstrack ./server/cmd/qmstrack

# --- run ---------------------------------------------------------------------
FROM debian:12.12-slim

# poppler-utils: pdftotext, used to index the text of PDF documents for search.
# tzdata: named time zones (QMS_TIMEZONE). ca-certificates: TLS to S3 and SMTP.
RUN apt-get update \
	&& DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		poppler-utils tzdata ca-certificates \
	&& rm -rf /var/lib/apt/lists/* \
	&& groupadd --system qmstrack \
	&& useradd --system --gid qmstrack --home-dir /nonexistent --no-create-home \
		--shell /usr/sbin/nologin qmstrack

COPY --from=build /out/qmstrack /usr/local/bin/qmstrack

USER qmstrack:qmstrack
ENV QMS_ADDR=:8080
EXPOSE 8080

# Alive means /healthz answers (the binary asks it: the image has no curl);
# a database outage shows on /readyz instead, and a restart would not help.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["qmstrack", "health"]

ENTRYPOINT ["qmstrack"]
CMD ["serve"]
