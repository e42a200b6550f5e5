#!/bin/sh
# Entrypoint of the eclipse-mosquitto:2 stand-in, as the official image's: a fresh volume
# becomes the broker user's (mosquitto drops root for that user at start).
set -eu
if [ "$(id -u)" = 0 ]; then
    chown -R mosquitto:mosquitto /mosquitto/data /mosquitto/log
fi
exec "$@"
