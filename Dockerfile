# nitro: one static binary in a small, non-root image.
#   docker build -t nitro .
#   docker run --env-file deploy/.env -p 3001:3001 nitro serve
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/nitro ./cmd/nitro

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/nitro /usr/local/bin/nitro
# The data dir holds development secrets and the built-in cluster's ledger; in
# production the secrets come from the environment and the chain from SOLANA_RPC_URL.
ENV NITRO_DATA_DIR=/var/lib/nitro HOST=0.0.0.0 PORT=3001 LOG_FORMAT=json
WORKDIR /var/lib/nitro
USER nonroot:nonroot
EXPOSE 3001
ENTRYPOINT ["/usr/local/bin/nitro"]
CMD ["serve"]
