"""Agent groups (C1-C7): create, list, rename, delete, read and change settings, upload the transfer ring tone."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from switchboard.auth.authenticate import Principal
from switchboard.domain.callcenter import groups as rules
from switchboard.domain.callcenter.rules import Page, cc_error, text, whole
from switchboard.services.audio import write_atomically
from switchboard.services.callcenter.common import options_for
from switchboard.services.context import Services
from switchboard.store import callcenter as store
from switchboard.store.cc_tables import cc_groups, cc_ring_files
from switchboard.store.tables import apps

MAX_RING = 1024 * 1024
RING_SUFFIXES = {".mp3": (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"), ".wav": (b"RIFF",)}


def ring_dir(services: Services) -> Path:
    return services.settings.data_dir / "cc" / "rings"


class Groups:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def owned(self, conn: Any, principal: Principal, group_id: int) -> dict[str, Any]:
        found = await store.group(conn, principal.account.id, group_id)
        if found is None:
            raise cc_error(-24, "no such agent group in this account")
        return found

    async def add(self, principal: Principal, params: Mapping[str, Any]) -> None:
        """C1: a group in the request's app; names are unique in the account (-20)."""
        assert principal.app is not None
        name, account_id, now = rules.group_name(params), principal.account.id, self.s.clock.now()
        async with self.s.db.write() as conn:
            await conn.execute(sa.select(apps.c.id).where(apps.c.app_id == principal.app.app_id).with_for_update())
            options = await options_for(conn, principal)
            if options.max_groups == 0:
                raise cc_error(-75, "the call center is not enabled for this account")
            if await store.group_named(conn, account_id, name) is not None:
                raise cc_error(-20, "groupName is taken")
            if await store.count_groups(conn, account_id) >= options.max_groups:
                raise cc_error(-23, f"an account holds at most {options.max_groups} agent groups")
            values = {"account_id": account_id, "app_id": principal.app.app_id, "name": name, "labels": []}
            await store.insert(conn, cc_groups, {**values, "created_at": now, "updated_at": now})

    async def query(self, principal: Principal, page: Page) -> dict[str, Any]:
        """C2: the account's groups, oldest first, ``params.groupName`` a fuzzy filter (-46 over 50 chars)."""
        name = page.params.get("groupName")
        if name not in (None, "") and (not isinstance(name, str) or len(name) > 50):
            raise cc_error(-46)
        async with self.s.db.read() as conn:
            total, found = await store.page_groups(conn, principal.account.id, name or None, page.offset, page.size)
            names = {a.app_id: a.name for a in await _apps(conn, principal.account.id)}
        records = [
            {
                "voiceGroupId": g["id"],
                "groupName": g["name"],
                "callinStrategy": g["strategy"],
                "countSeat": int(g["seats"]),
                "appId": g["app_id"],
                "appName": names.get(g["app_id"], ""),
            }
            for g in found
        ]
        return page.answer(total, records)

    async def rename(self, principal: Principal, params: Mapping[str, Any]) -> None:
        """C3."""
        group_id, name = whole(params, "voiceGroupId"), rules.group_name(params)
        async with self.s.db.write() as conn:
            found = await self.owned(conn, principal, group_id)
            other = await store.group_named(conn, principal.account.id, name)
            if other is not None and other["id"] != group_id:
                raise cc_error(-20, "groupName is taken")
            await store.update(conn, cc_groups, found["id"], {"name": name, "updated_at": self.s.clock.now()})

    async def delete(self, principal: Principal, params: Mapping[str, Any]) -> None:
        """C4: only an empty group (-63) bound to no team leader (-69) and no trunk (-70)."""
        group_id = whole(params, "voiceGroupId")
        async with self.s.db.write() as conn:
            found = await self.owned(conn, principal, group_id)
            if await store.group_agent_count(conn, group_id) > 0:
                raise cc_error(-63)
            if await store.group_has_leader(conn, principal.account.id, group_id):
                raise cc_error(-69)
            if await store.group_on_trunk(conn, group_id):
                raise cc_error(-70)
            await store.delete_group(conn, found["id"])

    async def settings(self, principal: Principal, params: Mapping[str, Any]) -> dict[str, Any]:
        """C5."""
        async with self.s.db.read() as conn:
            g = await self.owned(conn, principal, whole(params, "voiceGroupId"))
        ring = g["ring_file"]
        return {
            "seatGroupId": g["id"],
            "voiceGroupId": g["id"],
            "groupName": g["name"],
            "callinStrategy": g["strategy"],
            "timeoutTransferSec": g["timeout_transfer"],
            "callinAutoAnswerSec": g["auto_answer"],
            "wrapUpTime": g["wrap_up"],
            "timeoutIdle": g["timeout_idle"],
            "timeoutWaitSec": g["timeout_wait"],
            "turnSeatRing": ring,
            "turnSeatRingUrl": ring_url(ring) if ring else None,
            "labelName": list(g["labels"] or []),
            "displaySwitch": g["display_switch"],
            "encryptNumber": g["encrypt_number"],
            "fsNode": g["fs_node"],
        }

    async def save_settings(self, principal: Principal, params: Mapping[str, Any]) -> None:
        """C7: every field at once; an empty optional field clears it. The ring tone must be one of C6's."""
        group_id = whole(params, "voiceGroupId")
        async with self.s.db.write() as conn:
            found = await self.owned(conn, principal, group_id)
            new = rules.settings(params, found["strategy"])
            if new.ring_file is not None and await store.ring_file(conn, principal.account.id, new.ring_file) is None:
                raise cc_error(-24, "turnSeatRing names no uploaded ring tone (seatGroup/upload)")
            values = {**new.__dict__, "updated_at": self.s.clock.now()}
            await store.update(conn, cc_groups, found["id"], values)

    async def upload_ring(self, principal: Principal, params: Mapping[str, Any]) -> dict[str, str]:
        """C6: an MP3 or WAV of at most 1 MB, kept as a file; the same name again replaces it."""
        from switchboard.domain.callcenter.callees import decode

        name = text(params, "fileName", 5, 32)
        suffix = Path(name.lower()).suffix
        if suffix not in RING_SUFFIXES:
            raise cc_error(-27, "the ring tone must be .mp3 or .wav")
        data = decode(params.get("file"))
        if len(data) > MAX_RING:
            raise cc_error(-38, "a ring tone is at most 1 MB")
        if not data.startswith(RING_SUFFIXES[suffix]):
            raise cc_error(-27, f"the content is not {suffix[1:].upper()}")
        account_id, now = principal.account.id, self.s.clock.now()
        stored = f"{account_id}-{secrets.token_hex(8)}{suffix}"
        write_atomically(ring_dir(self.s) / stored, data)
        async with self.s.db.write() as conn:
            old = await store.ring_file(conn, account_id, name)
            if old is not None:
                await conn.execute(cc_ring_files.delete().where(cc_ring_files.c.id == old["id"]))
            values = {"account_id": account_id, "file_name": name, "stored_as": stored, "size": len(data)}
            await store.insert(conn, cc_ring_files, {**values, "created_at": now})
        if old is not None:
            (ring_dir(self.s) / old["stored_as"]).unlink(missing_ok=True)
        return {"fileName": name, "fileUrl": ring_url(name)}

    async def ring_bytes(self, principal: Principal, name: str) -> tuple[str, bytes]:
        async with self.s.db.read() as conn:
            found = await store.ring_file(conn, principal.account.id, name)
        path = ring_dir(self.s) / found["stored_as"] if found is not None else None
        if path is None or not path.is_file():
            raise cc_error(-24, "no such ring tone")
        return found["file_name"], path.read_bytes()  # type: ignore[index]


def ring_url(name: str) -> str:
    from urllib.parse import quote

    return f"/v3/cc/seatGroup/ring?fileName={quote(name)}"


async def _apps(conn: Any, account_id: int) -> list[Any]:
    from switchboard.store import tenants

    return [a for a in await tenants.list_apps(conn, account_id) if a.product == "cc"]
