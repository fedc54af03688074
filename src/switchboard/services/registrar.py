"""The SIP registrar: phones (sipAdd accounts) REGISTER on the platform's SIP port with digest authentication.

``Registrar.handle`` answers each request read by ``connectors.voice.sip_server``:

- REGISTER without credentials: 401 with one challenge per algorithm of ``sip_digest_algorithms`` (MD5 by
  default, SHA-256 of RFC 8760 on request), ``qop=auth``.
- REGISTER with credentials: the nonce must be ours, fresh (else 401 ``stale=true``) and not replayed; the
  user must be the To user and a phone's account, the response must match its password: else 403, and the
  failure counts against the source address (``FailureGuard``: blocked addresses are not answered at all).
- Accepted: the contacts are stored (``voice_registrations``: any process can find the phone), refreshed
  or removed (``Expires: 0``, ``Contact: *``); 200 lists the phone's current contacts with their expiry.
- OPTIONS: 200 (carriers' and phones' keep-alive probes). Other methods go to ``other`` when set (the
  call handling), else 405.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta

from switchboard.auth.guard import RedisGuard
from switchboard.connectors.voice.sip_server import Inbound
from switchboard.domain.voice import registrar as rules
from switchboard.domain.voice.phones import ACCOUNT
from switchboard.domain.voice.sip import SipMessage, response, uri_of, user_of
from switchboard.services.context import Services
from switchboard.store import phones as store

log = logging.getLogger("switchboard.voice.registrar")
ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER"
SERVER = "Switchboard"


class Registrar:
    def __init__(
        self,
        services: Services,
        *,
        realm: str,
        guard: rules.FailureGuard | None = None,
        algorithms: tuple[str, ...] = rules.DEFAULT_ALGORITHMS,
        shared_prefix: str = "sb:sip",
    ) -> None:
        self.s = services
        self.realm = realm
        self.algorithms = algorithms
        key = hashlib.sha256(b"sip-nonce:" + services.settings.resolved_master_key()).digest()
        self.nonces = rules.Nonces(key)
        self.guard = guard or rules.FailureGuard()
        # With Redis (production mode) used nonces and failure counts are shared by every `sip` process, so a
        # REGISTER replayed to another process, or guesses spread over several, are caught too.
        self.shared = RedisGuard(services.redis, prefix=shared_prefix) if services.redis is not None else None
        self.other: Callable[[Inbound], Awaitable[None]] | None = None
        self.counters = {"registered": 0, "challenged": 0, "refused": 0, "blocked": 0}

    async def handle(self, inbound: Inbound) -> None:
        message = inbound.message
        host = inbound.source[0]
        if self.guard.blocked(host, self.s.clock.time()) or (
            self.shared is not None and await self.shared.blocked(host)
        ):
            self.counters["blocked"] += 1
            return
        if message.method == "REGISTER":
            await self.register(inbound)
        elif message.method == "OPTIONS":
            inbound.answer(self._response(message, 200, "OK").add("allow", ALLOW).add("accept", "application/sdp"))
        elif message.method == "ACK":
            return
        elif self.other is not None:
            await self.other(inbound)
        else:
            inbound.answer(self._response(message, 405, "Method Not Allowed").add("allow", "OPTIONS, REGISTER"))

    def _response(self, request: SipMessage, status: int, reason: str) -> SipMessage:
        tag = secrets.token_hex(6) if status >= 200 else None
        return response(request, status, reason, to_tag=tag).add("server", SERVER)

    def _challenge(self, inbound: Inbound, *, stale: bool = False) -> None:
        self.counters["challenged"] += 1
        proxy = inbound.message.method != "REGISTER"  # a phone's INVITE is challenged as a proxy does (407)
        answer = self._response(
            inbound.message, 407 if proxy else 401, "Proxy Authentication Required" if proxy else "Unauthorized"
        )
        for value in rules.challenges(
            self.realm, self.nonces.issue(self.s.clock.time()), stale=stale, algorithms=self.algorithms
        ):
            answer.add("proxy-authenticate" if proxy else "www-authenticate", value)
        inbound.answer(answer)

    async def _refuse(self, inbound: Inbound, why: str) -> None:
        self.counters["refused"] += 1
        host = inbound.source[0]
        if self.guard.failed(host, self.s.clock.time()):
            log.warning("SIP address %s blocked after repeated authentication failures", host)
        if self.shared is not None:
            g = self.guard
            await self.shared.failed(host, limit=g.limit, window=int(g.window), block=int(g.block))
        log.info("%s from %s refused: %s", inbound.message.method, inbound.source, why)
        inbound.answer(self._response(inbound.message, 403, "Forbidden"))

    async def register(self, inbound: Inbound) -> None:
        phone = await self.authenticate(inbound)
        if phone is not None:
            await self._bind(inbound, phone)

    async def authenticate(self, inbound: Inbound) -> store.Phone | None:
        """The phone a REGISTER (or a phone's INVITE: Proxy-Authorization) authenticates as, or None when it was
        answered already (challenged, or refused and counted against its address)."""
        message = inbound.message
        register = message.method == "REGISTER"
        header = message.get("authorization" if register else "proxy-authorization")
        if header is None:
            self._challenge(inbound)
            return None
        creds = rules.parse_credentials(header)
        if creds is None or creds.algorithm not in self.algorithms:
            await self._refuse(inbound, "malformed credentials or an algorithm not offered")
            return None
        verdict = self.nonces.check(creds.nonce, creds.nc, self.s.clock.time())
        if verdict is rules.Verdict.STALE:
            self._challenge(inbound, stale=True)
            return None
        if verdict is rules.Verdict.INVALID:
            await self._refuse(inbound, "forged or replayed nonce")
            return None
        self.nonces.use(creds.nonce, creds.nc)
        if self.shared is not None and not await self.shared.first_use(
            f"{creds.nonce}:{creds.nc or 0}", int(self.nonces.ttl) + 60
        ):
            await self._refuse(inbound, "nonce count already used by another process")
            return None
        # A REGISTER names the phone in To; an INVITE names the callee there, the phone in From.
        to_user = user_of(uri_of(message.get("to" if register else "from") or ""))
        phone = None
        if ACCOUNT.match(creds.username):
            async with self.s.db.read(quick=True) as conn:
                phone = await store.get_phone(conn, creds.username)
        password = self.s.secrets.open(phone.password_enc) if phone else secrets.token_hex(16)
        expected = rules.expected_response(creds, method=message.method or "", password=password)
        genuine = hmac.compare_digest(expected.encode(), creds.response.encode())
        if phone is None or not genuine or creds.realm != self.realm or creds.username != to_user:
            await self._refuse(inbound, f"bad credentials for {creds.username!r}")
            return None
        self.guard.succeeded(inbound.source[0])
        return phone

    async def _bind(self, inbound: Inbound, phone: store.Phone) -> None:
        message = inbound.message
        try:
            changes = rules.contact_changes(message)
        except rules.RegisterError as exc:
            answer = self._response(message, exc.status, exc.reason)
            if exc.status == 423:
                answer.add("min-expires", str(rules.MIN_EXPIRES))
            inbound.answer(answer)
            return
        now = self.s.clock.now()
        source = f"{inbound.source[0]}:{inbound.source[1]}"
        agent = rules.printable(message.get("user-agent") or "")[:128] or None
        async with self.s.db.write() as conn:
            for change in changes:
                if change.expires == 0:
                    await store.remove_registration(conn, phone.id, change.uri)
                    continue
                assert change.uri is not None
                await store.upsert_registration(
                    conn,
                    phone_id=phone.id,
                    contact=change.uri,
                    source=source,
                    transport=inbound.transport,
                    user_agent=agent,
                    call_id=rules.printable(message.call_id)[:128],
                    cseq=message.cseq[0],
                    registered_at=now,
                    expires_at=now + timedelta(seconds=change.expires),
                )
            current = await store.registrations(conn, [phone.id], now=now)
        self.counters["registered"] += 1
        answer = self._response(message, 200, "OK")
        for binding in current:
            left = max(0, int((binding.expires_at - now).total_seconds()))
            answer.add("contact", f"<{binding.contact}>;expires={left}")
        answer.add("date", now.strftime("%a, %d %b %Y %H:%M:%S GMT"))
        inbound.answer(answer)

    async def purge(self) -> int:
        """Drop expired registrations (the worker calls it now and then)."""
        async with self.s.db.write() as conn:
            return await store.purge_expired(conn, self.s.clock.now())
