# Plumbline: one static binary on a small Debian base.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/plumbline ./cmd/plumbline

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin plumbline \
    && mkdir -p /data && chown plumbline /data
COPY --from=build /out/plumbline /usr/local/bin/plumbline
USER plumbline
ENV PLUMBLINE_ADDR=0.0.0.0:8080 \
    PLUMBLINE_ENV=production \
    PLUMBLINE_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/plumbline"]
CMD ["serve", "--migrate"]
