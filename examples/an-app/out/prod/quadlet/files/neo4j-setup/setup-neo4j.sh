#!/bin/bash
# Waits for Neo4j's bolt port, loads init.cypher once, and records that on the state volume.
set -euo pipefail
marker="${SETUP_STATE_DIR:?}/initialized"
if [ -f "$marker" ]; then
  echo "neo4j already initialised"
  exit 0
fi
password="${NEO4J_AUTH#neo4j/}"
until cypher-shell -a "$NEO4J_URI" -u neo4j -p "$password" "RETURN 1" >/dev/null 2>&1; do
  sleep 2
done
cypher-shell -a "$NEO4J_URI" -u neo4j -p "$password" -f /infra/init.cypher
touch "$marker"
