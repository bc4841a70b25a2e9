"""Small real identity providers for the single sign-on tests: CAS, OIDC, WeCom, DingTalk.

Each is a WSGI app served over HTTP on 127.0.0.1 by a thread, so the libraries under test
(django-cas-ng / python-cas, mozilla-django-oidc, requests) talk to them exactly as to a real
server. Each "signs in" whoever the test puts in `principal`, and keeps what a real provider
would refuse to repeat (tickets, codes) single-use.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs, urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from xml.sax.saxutils import escape

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

StartResponse = Callable[..., Any]


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class Request:
    def __init__(self, environ: dict[str, Any]) -> None:
        self.method = environ["REQUEST_METHOD"]
        self.path = environ["PATH_INFO"]
        self.query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        length = int(environ.get("CONTENT_LENGTH") or 0)
        self.body = environ["wsgi.input"].read(length) if length else b""
        self.headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        self.content_type = environ.get("CONTENT_TYPE", "")

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}

    def json(self) -> Any:
        return json.loads(self.body or b"{}")


Response = tuple[str, list[tuple[str, str]], bytes]


def redirect(location: str) -> Response:
    return "302 Found", [("Location", location)], b""


def as_json(data: Any, status: str = "200 OK") -> Response:
    return status, [("Content-Type", "application/json")], json.dumps(data).encode()


class FakeServer:
    """A WSGI app on a free port of 127.0.0.1, served by a daemon thread until `stop`."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.delay = 0.0  # seconds every answer waits (a slow provider)
        self._server = make_server(
            "127.0.0.1", 0, self._app, server_class=_ThreadingServer, handler_class=_QuietHandler
        )
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _app(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        self.requests.append(request)
        if self.delay:
            time.sleep(self.delay)
        status, headers, body = self.handle(request)
        start_response(status, headers)
        return [body]

    def handle(self, request: Request) -> Response:
        raise NotImplementedError

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _add_query(url: str, **params: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


class FakeCas(FakeServer):
    """CAS 2/3: /login redirects back with a service ticket, /serviceValidate and /p3/serviceValidate
    answer the XML of the protocol; a ticket validates once, for the service it was issued to."""

    def __init__(self) -> None:
        super().__init__()
        self.principal = "zhangsan"
        self.attributes: dict[str, str] = {}
        self.tickets: dict[str, str] = {}  # ticket → service, removed when validated
        self.logged_out = False

    def handle(self, request: Request) -> Response:
        if request.path == "/cas/login":
            ticket = f"ST-{secrets.token_hex(8)}"
            self.tickets[ticket] = request.query["service"]
            return redirect(_add_query(request.query["service"], ticket=ticket))
        if request.path in ("/cas/serviceValidate", "/cas/p3/serviceValidate"):
            return self._validate(request.query.get("ticket", ""), request.query.get("service", ""))
        if request.path == "/cas/logout":
            self.logged_out = True
            return "200 OK", [("Content-Type", "text/plain")], b"logged out"
        return "404 Not Found", [], b""

    def _validate(self, ticket: str, service: str) -> Response:
        issued_for = self.tickets.pop(ticket, None)
        ns = 'xmlns:cas="http://www.yale.edu/tp/cas"'
        if issued_for is None or issued_for != service:
            body = (
                f'<cas:serviceResponse {ns}><cas:authenticationFailure code="INVALID_TICKET">'
                f"Ticket {escape(ticket)} not recognized</cas:authenticationFailure></cas:serviceResponse>"
            )
        else:
            attributes = "".join(f"<cas:{k}>{escape(v)}</cas:{k}>" for k, v in self.attributes.items())
            body = (
                f"<cas:serviceResponse {ns}><cas:authenticationSuccess><cas:user>{escape(self.principal)}</cas:user>"
                f"<cas:attributes>{attributes}</cas:attributes></cas:authenticationSuccess></cas:serviceResponse>"
            )
        return "200 OK", [("Content-Type", "text/xml; charset=utf-8")], body.encode()


def _rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeOidc(FakeServer):
    """An OpenID provider: authorize → code → token (RS256 ID token, key at the JWKS URL) → userinfo.

    `sabotage` makes the next ID tokens wrong on purpose: "signature" (signed by another key under
    the published kid), "audience" (issued for another client), "nonce".
    """

    CLIENT_ID = "pangting"
    CLIENT_SECRET = "fake-oidc-secret"

    def __init__(self) -> None:
        super().__init__()
        self.key = _rsa_key()
        self.other_key = _rsa_key()
        self.kid = "fake-key-1"
        self.claims: dict[str, Any] = {"sub": "u-1"}
        self.userinfo_extra: dict[str, Any] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.access_tokens: dict[str, dict[str, Any]] = {}
        self.sabotage = ""
        self.issuer = self.url

    def handle(self, request: Request) -> Response:
        if request.path == "/authorize":
            return self._authorize(request.query)
        if request.path == "/token" and request.method == "POST":
            return self._token(request.form())
        if request.path == "/userinfo":
            token = request.headers.get("authorization", "").removeprefix("Bearer ")
            claims = self.access_tokens.get(token)
            if claims is None:
                return as_json({"error": "invalid_token"}, "401 Unauthorized")
            return as_json({**claims, **self.userinfo_extra})
        if request.path == "/jwks":
            public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
            return as_json({"keys": [{**public, "kid": self.kid, "alg": "RS256", "use": "sig"}]})
        if request.path == "/logout":
            return "200 OK", [("Content-Type", "text/plain")], b"logged out"
        return "404 Not Found", [], b""

    def _authorize(self, query: dict[str, str]) -> Response:
        if query.get("client_id") != self.CLIENT_ID or query.get("response_type") != "code":
            return "400 Bad Request", [], b"bad request"
        code = secrets.token_urlsafe(12)
        self.codes[code] = {
            "nonce": query.get("nonce"),
            "redirect_uri": query["redirect_uri"],
            "challenge": query.get("code_challenge"),
            "claims": dict(self.claims),
        }
        return redirect(_add_query(query["redirect_uri"], code=code, state=query["state"]))

    def _token(self, form: dict[str, str]) -> Response:
        grant = self.codes.pop(form.get("code", ""), None)  # a code works once
        if (
            grant is None
            or form.get("client_id") != self.CLIENT_ID
            or form.get("client_secret") != self.CLIENT_SECRET
            or form.get("redirect_uri") != grant["redirect_uri"]
        ):
            return as_json({"error": "invalid_grant"}, "400 Bad Request")
        if grant["challenge"]:
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["challenge"]:
                return as_json({"error": "invalid_grant"}, "400 Bad Request")
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": "someone-else" if self.sabotage == "audience" else self.CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": "not-the-nonce" if self.sabotage == "nonce" else grant["nonce"],
            **grant["claims"],
        }
        key = self.other_key if self.sabotage == "signature" else self.key
        id_token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})
        access = secrets.token_urlsafe(16)
        self.access_tokens[access] = grant["claims"]
        return as_json({"access_token": access, "token_type": "Bearer", "id_token": id_token, "expires_in": 300})


class FakeWecom(FakeServer):
    """WeCom's web sign-in: /connect/oauth2/authorize, /cgi-bin/gettoken, /cgi-bin/auth/getuserinfo,
    /cgi-bin/user/get, answering errcode 0 or an error code as the real API does."""

    CORP_ID = "ww-fake"
    SECRET = "fake-wecom-secret"

    def __init__(self) -> None:
        super().__init__()
        self.userid = "zhangsan"
        self.member: dict[str, Any] = {}
        self.codes: dict[str, str] = {}
        self.token = secrets.token_hex(8)

    def handle(self, request: Request) -> Response:
        q = request.query
        if request.path == "/connect/oauth2/authorize":
            code = secrets.token_hex(6)
            self.codes[code] = self.userid
            return redirect(_add_query(q["redirect_uri"], code=code, state=q.get("state", "")))
        if request.path == "/cgi-bin/gettoken":
            if q.get("corpid") != self.CORP_ID or q.get("corpsecret") != self.SECRET:
                return as_json({"errcode": 40001, "errmsg": "invalid credential"})
            return as_json({"errcode": 0, "errmsg": "ok", "access_token": self.token, "expires_in": 7200})
        if request.path == "/cgi-bin/auth/getuserinfo":
            userid = self.codes.pop(q.get("code", ""), None)
            if q.get("access_token") != self.token or userid is None:
                return as_json({"errcode": 40029, "errmsg": "invalid code"})
            return as_json({"errcode": 0, "errmsg": "ok", "userid": userid})
        if request.path == "/cgi-bin/user/get":
            return as_json({"errcode": 0, "errmsg": "ok", "userid": q.get("userid"), **self.member})
        return "404 Not Found", [], b""


class FakeDingtalk(FakeServer):
    """DingTalk's OAuth 2: /oauth2/auth, POST /v1.0/oauth2/userAccessToken, GET /v1.0/contact/users/me."""

    CLIENT_ID = "ding-fake"
    CLIENT_SECRET = "fake-dingtalk-secret"

    def __init__(self) -> None:
        super().__init__()
        self.me: dict[str, Any] = {"nick": "张三", "unionId": "union-1", "openId": "open-1", "mobile": ""}
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}

    def handle(self, request: Request) -> Response:
        if request.path == "/oauth2/auth":
            q = request.query
            code = secrets.token_hex(6)
            self.codes[code] = dict(self.me)
            return redirect(_add_query(q["redirect_uri"], authCode=code, state=q.get("state", "")))
        if request.path == "/v1.0/oauth2/userAccessToken" and request.method == "POST":
            body = request.json()
            me = self.codes.pop(body.get("code", ""), None)
            if me is None or body.get("clientId") != self.CLIENT_ID or body.get("clientSecret") != self.CLIENT_SECRET:
                return as_json({"code": "invalidAuthCode", "message": "bad code"}, "400 Bad Request")
            token = secrets.token_hex(8)
            self.tokens[token] = me
            return as_json({"accessToken": token, "refreshToken": "r", "expireIn": 7200})
        if request.path == "/v1.0/contact/users/me":
            me = self.tokens.get(request.headers.get("x-acs-dingtalk-access-token", ""))
            if me is None:
                return as_json({"code": "InvalidAuthentication", "message": "bad token"}, "401 Unauthorized")
            return as_json(me)
        return "404 Not Found", [], b""
