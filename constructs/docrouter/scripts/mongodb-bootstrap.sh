#!/bin/sh
# Sidecar: waits for the local mongod, runs the idempotent bootstrap until it
# succeeds, then marks itself ready and idles so the pod keeps running.
set -u
uri="mongodb://127.0.0.1:${MONGODB_PORT}/?directConnection=true"
until mongosh --quiet --norc "$uri" --eval 'db.adminCommand("ping").ok' >/dev/null 2>&1; do
  sleep 2
done
until mongosh --quiet --norc "$uri" --file /bootstrap/mongodb-bootstrap.js; do
  echo "bootstrap: not complete yet, retrying in 5s"
  sleep 5
done
touch /tmp/bootstrap-complete
exec sleep infinity
