"""The SMPP server: listeners (TCP, and TLS when a certificate is configured), bind authorisation, the
registry of bound sessions, submits into the platform, and the receipts loop.

Receipts: a submit that asked for one (registered_delivery bits 0-1) leaves a row in ``smpp_receipts`` in the
send's own transaction. The receipts loop sends, for each account with a receiver or transceiver bound *in
this process*, the rows whose message is final as deliver_sm, and marks each row sent once the client answered
its deliver_sm_resp with ESME_ROK (each row in its own short transaction, right after its response). Rows wait
while no such bind is up, and expire after 72 hours. The response is first written to the node's ack journal
(smppd/ack_journal.py) as it is read, so a crash before that commit does not repeat the receipt: the next
start records the journal in the database before delivering. Only a receipt the client handled whose
response had not been read when the process died is sent again (no protocol can tell whether the client saw
it); nothing else repeats.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

from switchboard.auth.authenticate import Principal
from switchboard.auth.ip import ip_allowed
from switchboard.services.context import Services
from switchboard.smppd import pdu
from switchboard.smppd.accounts import SmppAccounts
from switchboard.smppd.ack_journal import AckJournal
from switchboard.smppd.limits import RENEW, smpp_limits
from switchboard.smppd.receipts import inbound_pdus, receipt_pdu
from switchboard.smppd.session import Session
from switchboard.smppd.statuses import ESME_RLOCKED
from switchboard.smppd.submits import RECEIPT_TTL, Answer, Submitter
from switchboard.store import smpp, tenants
from switchboard.store.smpp import SmppAccount
from switchboard.store.tenants import ApiKey

log = logging.getLogger("switchboard.smppd")

RECEIPT_BATCH: Final = 200
STOP_GRACE: Final = 5.0
LEASE: Final = timedelta(seconds=30)  # a row being sent by one process is left alone by the others this long


@dataclass(frozen=True)
class SmppServerConfig:
    host: str = "127.0.0.1"
    port: int = 2775
    tls_port: int | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    window: int = 64
    idle_timeout: float = 120.0
    poll: float = 0.5
    part_ttl: float = 60.0
    smsc_id: str = "SWITCHBOARD"
    ack_journal: Path | None = None  # default: smpp-acks-<node id>.log in the data directory


class LockedAccount(Exception):
    """The bound account was locked (or its workspace disabled) after the bind."""


class SmppServer:
    def __init__(self, services: Services, config: SmppServerConfig | None = None) -> None:
        self.s = services
        self.config = config or SmppServerConfig()
        self.window = self.config.window
        self.idle_timeout = self.config.idle_timeout
        self.smsc_id = self.config.smsc_id
        self.accounts = SmppAccounts(services)
        self.submitter = Submitter(services, part_ttl=self.config.part_ttl)
        self.sessions: dict[str, list[Session]] = defaultdict(list)
        self.principals: dict[str, Principal] = {}
        self.bound_accounts: dict[str, SmppAccount] = {}
        self.limits = smpp_limits(services.redis)  # binds and throughput per account, shared through Redis
        self.counters: dict[str, int] = defaultdict(int)
        self.ports: dict[str, int] = {}
        self._servers: list[asyncio.Server] = []
        self._parts: dict[str, list[asyncio.Future[Answer]]] = defaultdict(list)
        self._loop_task: asyncio.Task[None] | None = None
        self._renewer: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._round = asyncio.Lock()
        self._stopping = False
        self._connections: set[asyncio.Task[None]] = set()
        node = services.settings.node_id
        self.journal = AckJournal(self.config.ack_journal or services.settings.data_dir / f"smpp-acks-{node:02d}.log")

    # ------------------------------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        earlier = self.journal.open()
        if earlier:
            await self._record_acks(earlier)
            log.warning("smpp: %d deliveries acknowledged before a crash recorded from the journal", len(earlier))
            self.counters["journal_replayed"] += len(earlier)
        tcp = await asyncio.start_server(self._accept, self.config.host, self.config.port)
        self._servers.append(tcp)
        self.ports["tcp"] = tcp.sockets[0].getsockname()[1]
        if self.config.tls_cert and self.config.tls_port is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.config.tls_cert, self.config.tls_key)
            tls = await asyncio.start_server(self._accept, self.config.host, self.config.tls_port, ssl=context)
            self._servers.append(tls)
            self.ports["tls"] = tls.sockets[0].getsockname()[1]
        self._loop_task = asyncio.get_running_loop().create_task(self._receipts_loop(), name="smpp-receipts")
        self._renewer = asyncio.get_running_loop().create_task(self._renew_binds(), name="smpp-binds")
        log.info("SMPP server listening on %s %s", self.config.host, self.ports)

    async def stop(self) -> None:
        """Stop listening, let the receipts round under way record what was acknowledged, close the binds."""
        for server in self._servers:
            server.close()
        if self._renewer is not None:
            self._renewer.cancel()
        self._stopping = True
        self._wake.set()
        if self._loop_task is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._loop_task), STOP_GRACE)
            self._loop_task.cancel()
            await asyncio.gather(self._loop_task, return_exceptions=True)
        for sessions in list(self.sessions.values()):
            for session in list(sessions):
                session.writer.close()
        await asyncio.gather(*self._connections, return_exceptions=True)
        for server in self._servers:
            with contextlib.suppress(Exception):
                await server.wait_closed()
        self._servers.clear()
        self.journal.close()

    async def __aenter__(self) -> SmppServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def count(self, name: str) -> None:
        self.counters[name] += 1

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            await Session(self, reader, writer).run()
        finally:
            self._connections.discard(task)

    # ------------------------------------------------------------------------------------------ binds

    async def authorise(self, session: Session, bind: pdu.Bind, bind_type: int) -> int:
        """The bind_resp status for ``bind``; on success the session is registered under its system_id."""
        account = await self.accounts.get(bind.system_id)
        if account is None or not account.enabled:
            self.count("binds_refused")
            return pdu.ESME_RINVSYSID
        if not await asyncio.to_thread(SmppAccounts.password_matches, account, bind.password):
            self.count("binds_refused")
            return pdu.ESME_RINVPASWD
        if not ip_allowed(session.peer_ip, account.allowed_ips):
            self.count("binds_refused")
            return pdu.ESME_RBINDFAIL
        principal = await self._principal(account.app_id)
        if principal is None or not await self.limits.acquire_bind(account.system_id, session.key, account.max_binds):
            self.count("binds_refused")
            return pdu.ESME_RBINDFAIL
        self.principals[account.system_id] = principal
        self.bound_accounts[account.system_id] = account
        session.system_id, session.bind_type = account.system_id, bind_type
        self.sessions[account.system_id].append(session)
        self.count("binds")
        self._wake.set()
        return pdu.ESME_ROK

    async def _principal(self, app_id: str) -> Principal | None:
        async with self.s.db.read() as conn:
            app = await tenants.get_app(conn, app_id)
            account = await tenants.get_account(conn, app.account_id) if app is not None else None
        if app is None or account is None or account.locked or not account.workspace_enabled:
            return None
        # SMPP callers authenticate with their system_id, not an API key; this key only names them.
        key = ApiKey(0, account.id, f"smpp:{app_id}", "", True, [], [app_id], account.created_at)
        return Principal(key=key, account=account, app=app)

    async def unregister(self, session: Session) -> None:
        if session.system_id is not None:
            with contextlib.suppress(ValueError):
                self.sessions[session.system_id].remove(session)
            await self.limits.release_bind(session.system_id, session.key)

    async def take_token(self, session: Session) -> bool:
        account = self.bound_accounts.get(session.system_id or "")
        return account is None or await self.limits.take(account.system_id, account.throughput)

    async def _renew_binds(self) -> None:
        while True:
            await asyncio.sleep(RENEW)
            await self.limits.renew()

    # ------------------------------------------------------------------------------------------ submits

    async def submit(self, session: Session, submit: pdu.Submit) -> Answer:
        assert session.system_id is not None
        self.count("submits")
        key, whole = self.submitter.add_part(session.system_id, submit)
        if whole is None:
            assert key is not None
            future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
            self._parts[key].append(future)
            try:
                return await asyncio.wait_for(future, self.config.part_ttl)
            except TimeoutError:
                return Answer(pdu.ESME_RSUBMITFAIL)
        try:
            principal = await self._fresh_principal(session.system_id)
        except LockedAccount:
            answer = Answer(ESME_RLOCKED)
        else:
            answer = await self.submitter.send(principal, session.system_id, whole)
        self.count("accepted" if answer.status == pdu.ESME_ROK else "refused")
        for waiting in self._parts.pop(key or "", []):
            if not waiting.done():
                waiting.set_result(answer)
        return answer

    async def _fresh_principal(self, system_id: str) -> Principal:
        """The bound account's principal, re-read at most every 2 s (the lock state; the balance is checked by
        the debit itself, in the send's transaction)."""
        principal = self.principals[system_id]
        assert principal.app is not None
        app_id = principal.app.app_id
        fresh = await self.s.cached("smpp_principal", app_id, lambda: self._principal(app_id))
        if fresh is None:
            raise LockedAccount(system_id)
        return fresh

    # ------------------------------------------------------------------------------------------ receipts

    def wake(self) -> None:
        self._wake.set()

    async def settled(self) -> None:
        """Return once the receipts round under way (if any) has recorded its acknowledgements."""
        async with self._round:
            pass

    async def _receipts_loop(self) -> None:
        while not self._stopping:
            try:
                await self.deliver_receipts()
            except Exception:
                log.exception("smpp: receipts round failed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.config.poll)

    def receivers(self, system_id: str) -> list[Session]:
        return [s for s in self.sessions.get(system_id, []) if s.receives and not s.closed.is_set()]

    async def deliver_receipts(self) -> int:
        """One round: expire old rows, owe new inbound SMS, send what is due to bound receivers; how many
        receipts and inbound SMS were acknowledged."""
        async with self._round:
            return await self._deliver_round()

    async def _deliver_round(self) -> int:
        now = self.s.clock.now()
        bound = [system_id for system_id in list(self.sessions) if self.receivers(system_id)]
        async with self.s.db.write() as conn:
            await smpp.expire(conn, now)
            for system_id in bound:
                await smpp.enrol_inbound(conn, self.bound_accounts[system_id], now - RECEIPT_TTL, RECEIPT_TTL)
        if not bound:
            return 0
        async with self.s.db.write() as conn:
            due = await smpp.due_receipts(conn, bound, RECEIPT_BATCH, now)
            due += await smpp.due_inbound(conn, bound, RECEIPT_BATCH, now)
            mine = await smpp.claim(conn, [row["msg_id"] for row in due], now, LEASE)
        due = [row for row in due if row["msg_id"] in mine]
        # deliver_sm outstanding at once (SWITCHBOARD_SMPP_RECEIPT_WINDOW): bounds what a crash can repeat
        window = asyncio.Semaphore(self.s.settings.smpp_receipt_window)

        async def one(index: int, row: dict[str, Any]) -> str | None:
            async with window:
                return await self._deliver_and_mark(index, row)

        results = await asyncio.gather(*(one(i, row) for i, row in enumerate(due)))
        if self.journal.written:  # all recorded one by one already: this makes sure, then empties the file
            await self._record_acks(list(self.journal.written))
        sent = results.count(smpp.SENT)
        self.counters["receipts"] += sent
        return sent

    async def _deliver_and_mark(self, index: int, row: dict[str, Any]) -> str | None:
        """Deliver one owed row and record the outcome at once: the shorter the time between the client's
        deliver_sm_resp and this commit, the fewer receipts a crash can repeat."""
        status = await self._deliver(index, row)
        async with self.s.db.write() as conn:
            if status is None:
                await smpp.release(conn, row["msg_id"])
            else:
                await smpp.mark(conn, [row["msg_id"]], status, self.s.clock.now())
        return status

    async def _deliver(self, index: int, row: dict[str, Any]) -> str | None:
        """SENT once acknowledged, SKIPPED when the client did not ask for this outcome, None to retry later."""
        if (
            row["kind"] == smpp.RECEIPT
            and row["registered_delivery"] & 0x03 == 2
            and row["message_status"] == "delivered"
        ):
            return smpp.SKIPPED
        receivers = self.receivers(row["system_id"])
        if not receivers:
            return None
        session = receivers[index % len(receivers)]
        bodies = [receipt_pdu(row)] if row["kind"] == smpp.RECEIPT else inbound_pdus(row, index & 0xFF)
        msg_id = str(row["msg_id"])
        try:
            for n, body in enumerate(bodies, start=1):
                on_ack = (lambda: self.journal.record(msg_id)) if n == len(bodies) else None
                response = await session.request(pdu.DELIVER_SM, body, on_ack=on_ack)
                if response.command_status != pdu.ESME_ROK:
                    return None
        except (TimeoutError, ConnectionError):
            return None
        return smpp.SENT

    async def _record_acks(self, msg_ids: list[str]) -> None:
        """Mark journaled rows sent (rows already sent are left as they are), then empty the journal."""
        async with self.s.db.write() as conn:
            for start in range(0, len(msg_ids), 500):
                await smpp.mark(conn, msg_ids[start : start + 500], smpp.SENT, self.s.clock.now())
        self.journal.clear()
