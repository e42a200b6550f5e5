#!/bin/sh
# Entrypoint of the eclipse-mosquitto:2 stand-in, as the official image's: everything under
# /mosquitto (a fresh volume, the users and certificates) becomes the broker user's (mosquitto
# drops root for that user at start); what is mounted read-only stays as it is.
set -eu
if [ "$(id -u)" = 0 ]; then
    chown -R mosquitto:mosquitto /mosquitto 2>/dev/null || true
fi
exec "$@"
