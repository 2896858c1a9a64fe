#!/bin/sh
# Creates the application's buckets; safe to run again.
set -eu
mc alias set local "$MINIO_ENDPOINT" "$MINIO_ACCESS_KEY" "$MINIO_SECRET_KEY"
for bucket in documents models reports; do
  mc mb --ignore-existing "local/$bucket"
done
