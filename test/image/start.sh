#!/bin/sh
# Stand-in for the Feather app: serves /srv/www on :8080. Never prints the password.
echo "feather stand-in for ${FEATHER_TENANT:-?} starting as uid $(id -u)"
exec httpd -f -p 8080 -h /srv/www
