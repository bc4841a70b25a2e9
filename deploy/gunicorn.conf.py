"""gunicorn settings of an app server (deploy/systemd/pangting-web.service); the environment
file may change the numbers: WEB_CONCURRENCY processes (default 2 × cores), WEB_THREADS threads
each (default 4), WEB_BIND (default loopback: nginx is the only way in)."""

import multiprocessing
import os

bind = os.environ.get("WEB_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
threads = int(os.environ.get("WEB_THREADS", 4))
timeout = 30
# An idle kept-alive connection stays open longer than its client keeps it: nginx's upstream
# connections 60 s (`keepalive_timeout` in deploy/nginx), a browser's longer. With gunicorn's
# default of 2 s the server closed connections the client was reusing at that moment, and the
# request sent on one got no answer (a POST through nginx a 502): one or two requests in each
# run of bench/pages at 50 users, who wait 1–3 s between requests. The gthread worker keeps
# idle connections in its poller, not in a thread, so a long keep-alive costs no thread.
keepalive = 75
graceful_timeout = 30
# A worker is replaced after this many requests, so memory a long export took is given back.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
# nginx sets X-Forwarded-*; only trust it from the proxy addresses (the app checks them too).
forwarded_allow_ips = os.environ.get("PANGTING_TRUSTED_PROXIES", "127.0.0.1")
