#!/bin/sh
# Stand-in for the Feather app: serves /srv/www on :8080. Never prints the password.
# Optional delays (seconds, written by /cgi-bin/tune into the volume) imitate a slow app:
# one before it serves, one between SIGTERM and the container's exit.
echo "feather stand-in for ${FEATHER_TENANT:-?} starting as uid $(id -u)"
delay() { cat "/home/user/.feather-$1-delay" 2>/dev/null | tr -cd '0-9'; }
start=$(delay start)
if [ -n "$start" ] && [ "$start" -gt 0 ]; then sleep "$start"; fi
stop=$(delay stop)
if [ -z "$stop" ] || [ "$stop" -eq 0 ]; then exec httpd -f -p 8080 -h /srv/www; fi
httpd -f -p 8080 -h /srv/www &
pid=$!
trap 'kill $pid; sleep $stop; exit 0' TERM
wait $pid
