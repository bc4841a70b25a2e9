"""gunicorn settings of an app server (deploy/systemd/pangting-web.service); the environment
file may change the numbers: WEB_CONCURRENCY processes (default 2 × cores), WEB_THREADS threads
each (default 4), WEB_BIND (default loopback: nginx is the only way in)."""

import multiprocessing
import os

bind = os.environ.get("WEB_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
threads = int(os.environ.get("WEB_THREADS", 4))
timeout = 30
graceful_timeout = 30
# A worker is replaced after this many requests, so memory a long export took is given back.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
# nginx sets X-Forwarded-*; only trust it from the proxy addresses (the app checks them too).
forwarded_allow_ips = os.environ.get("PANGTING_TRUSTED_PROXIES", "127.0.0.1")
