"""OTP management over the API (the vendor SDK's otp/app, otp/template and otp/flow calls).

An OTP app is an SMS app of the key's account: ``app/add`` creates one, and its OTP settings live in the
app's options (``otp``: codeExpiry and the two period limits as given; the limits also set the SMS options
``total_limit``/``total_period`` (-27) and ``number_limit``/``number_period`` (-28) that every send of the
app obeys). Templates belong to an app, flows to the account. Another account's ids, and apps the key may
not use, answer -24 "Data unexisting"; a name already used answers -20 "Data existing".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from switchboard import ids
from switchboard.auth.authenticate import Principal
from switchboard.domain import otp_rules as rules
from switchboard.domain.sms.validation import sms_error
from switchboard.errors import Product
from switchboard.services.context import Services
from switchboard.store import otp as otp_store
from switchboard.store import otp_manage as store
from switchboard.store import tenants
from switchboard.store.tenants import App

MAX_ID_ATTEMPTS = 5
DEFAULT_ATTEMPTS = 5


def checked(call: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a pure rule, answering its failure with the SMS table."""
    try:
        return call(*args, **kwargs)
    except rules.RuleError as exc:
        raise sms_error(exc.code, exc.detail) from exc


def may_use(principal: Principal, app_id: str) -> bool:
    allowed = principal.key.allowed_apps
    return allowed is None or app_id in allowed


def numeric_id(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 9:
        raise sms_error(-24, "no such id")
    return int(raw)


def limit_options(settings: rules.AppSettings) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if settings.total is not None:
        options["total_limit"] = settings.total.limit if settings.total.enabled else 0
        if settings.total.enabled:
            options["total_period"] = settings.total.window
    if settings.phone is not None:
        options["number_limit"] = settings.phone.limit if settings.phone.enabled else 0
        if settings.phone.enabled:
            options["number_period"] = settings.phone.window
    return options


def app_wire(app: App) -> dict[str, Any]:
    otp = app.options.get("otp", {})
    return {
        "appId": app.app_id,
        "name": app.name,
        "codeExpiry": otp.get("codeExpiry", rules.DEFAULT_EXPIRY),
        "periodTotalSendLimit": otp.get("periodTotalSendLimit"),
        "periodPhoneSendLimit": otp.get("periodPhoneSendLimit"),
        "createTime": app.created_at.isoformat(timespec="seconds"),
    }


def template_wire(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "templateId": row["id"],
        "appId": row["app_id"],
        "name": row["name"] or "",
        "text": rules.to_wire_text(row["content"]),
        "content": row["content"],
        "codeType": row["code_type"] or 1,
        "codeLength": row["code_length"],
        "speechRate": 50 if row["speech_rate"] is None else row["speech_rate"],
        "language": row["language"] or "EN",
        "maxDuration": row["max_duration"] or 59,
        "repeatCnt": row["repeat_cnt"] or 1,
        "senderId": row["sender_id"] or "",
        "ttl": row["ttl"],
        "maxAttempts": row["max_attempts"],
        "createTime": row["created_at"].isoformat(timespec="seconds"),
    }


def flow_wire(row: dict[str, Any]) -> dict[str, Any]:
    return {"flowId": row["id"], "name": row["name"], "flow": row["steps"]}


class OtpManagement:
    def __init__(self, services: Services) -> None:
        self.s = services

    # --- apps ------------------------------------------------------------------------------------------

    async def _own_app(self, conn: AsyncConnection, principal: Principal, app_id: str) -> App:
        app = await tenants.get_app(conn, app_id)
        if (
            app is None
            or app.account_id != principal.account.id
            or app.product != Product.SMS.value
            or not may_use(principal, app_id)
        ):
            raise sms_error(-24, "no such OTP app")
        return app

    async def add_app(self, principal: Principal, fields: dict[str, Any]) -> dict[str, Any]:
        settings: rules.AppSettings = checked(rules.app_settings, fields, adding=True)
        assert settings.name is not None
        for _ in range(MAX_ID_ATTEMPTS):
            app_id = ids.new_app_id()
            try:
                async with self.s.db.write() as conn:
                    if await store.app_name_taken(conn, principal.account.id, settings.name):
                        raise sms_error(-20, "an app of that name exists")
                    await tenants.insert_app(
                        conn,
                        app_id=app_id,
                        account_id=principal.account.id,
                        product=Product.SMS.value,
                        name=settings.name,
                        now=self.s.clock.now(),
                    )
                    await tenants.update_app(conn, app_id, options=self._options({}, settings))
                return {"appId": app_id}
            except IntegrityError:
                continue
        raise sms_error(-18, "could not mint a unique appId")

    @staticmethod
    def _options(current: dict[str, Any], settings: rules.AppSettings) -> dict[str, Any]:
        otp = dict(current.get("otp", {}))
        if settings.code_expiry is not None:
            otp["codeExpiry"] = settings.code_expiry
        if settings.total is not None:
            otp["periodTotalSendLimit"] = settings.total.wire()
        if settings.phone is not None:
            otp["periodPhoneSendLimit"] = settings.phone.wire()
        return {**current, **limit_options(settings), "otp": otp}

    async def update_app(self, principal: Principal, app_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        body_app = fields.get("appId")
        if body_app not in (None, "") and body_app != app_id:
            raise sms_error(-22, "appId of the body differs from the path")
        settings: rules.AppSettings = checked(rules.app_settings, fields, adding=False)
        async with self.s.db.write() as conn:
            app = await self._own_app(conn, principal, app_id)
            values: dict[str, Any] = {"options": self._options(app.options, settings)}
            if settings.name is not None:
                if await store.app_name_taken(conn, principal.account.id, settings.name, except_app=app_id):
                    raise sms_error(-20, "an app of that name exists")
                values["name"] = settings.name
            await tenants.update_app(conn, app_id, **values)
            updated = await tenants.get_app(conn, app_id)
        assert updated is not None
        return app_wire(updated)

    async def app_details(self, principal: Principal, app_id: str) -> dict[str, Any]:
        async with self.s.db.read() as conn:
            return app_wire(await self._own_app(conn, principal, app_id))

    # --- templates -------------------------------------------------------------------------------------

    async def add_template(self, principal: Principal, fields: dict[str, Any]) -> dict[str, Any]:
        assert principal.app is not None
        app = principal.app
        template: rules.TemplateFields = checked(rules.template_fields, fields, adding=True)
        assert template.name is not None
        async with self.s.db.write() as conn:
            if await store.template_name_taken(conn, app.app_id, template.name):
                raise sms_error(-20, "a template of that name exists in the app")
            template_id = await otp_store.insert_template(
                conn,
                app_id=app.app_id,
                ttl=app.options.get("otp", {}).get("codeExpiry", rules.DEFAULT_EXPIRY),
                max_attempts=DEFAULT_ATTEMPTS,
                created_at=self.s.clock.now(),
                **template.columns(),
            )
        return {"templateId": template_id}

    async def _own_template(self, conn: AsyncConnection, principal: Principal, raw_id: str) -> dict[str, Any]:
        row = await otp_store.get_template(conn, numeric_id(raw_id))
        if row is None:
            raise sms_error(-24, "no such template")
        await self._own_app(conn, principal, row["app_id"])
        if principal.app is not None and principal.app.app_id != row["app_id"]:
            raise sms_error(-24, "no such template in this app")
        return row

    async def update_template(self, principal: Principal, raw_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        template: rules.TemplateFields = checked(rules.template_fields, fields, adding=False)
        async with self.s.db.write() as conn:
            row = await self._own_template(conn, principal, raw_id)
            if template.name is not None and await store.template_name_taken(
                conn, row["app_id"], template.name, except_id=row["id"]
            ):
                raise sms_error(-20, "a template of that name exists in the app")
            if template.columns():
                await store.update_template(conn, row["id"], **template.columns())
            updated = await otp_store.get_template(conn, row["id"])
        assert updated is not None
        return template_wire(updated)

    async def template_details(self, principal: Principal, raw_id: str) -> dict[str, Any]:
        async with self.s.db.read() as conn:
            return template_wire(await self._own_template(conn, principal, raw_id))

    # --- flows -----------------------------------------------------------------------------------------

    async def add_flow(self, principal: Principal, fields: dict[str, Any]) -> dict[str, Any]:
        name = checked(rules.text, fields, "name", 1, 64, required=True)
        steps = checked(rules.flow_steps, fields.get("flow"))
        now = self.s.clock.now()
        try:
            async with self.s.db.write() as conn:
                if await store.flow_name_taken(conn, principal.account.id, name):
                    raise sms_error(-20, "a flow of that name exists")
                flow_id = await store.insert_flow(
                    conn, account_id=principal.account.id, name=name, steps=steps, created_at=now, updated_at=now
                )
        except IntegrityError as exc:  # the same name added concurrently
            raise sms_error(-20, "a flow of that name exists") from exc
        return {"flowId": flow_id}

    async def update_flow(self, principal: Principal, raw_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        name = checked(rules.text, fields, "name", 1, 64, required=False)
        steps = checked(rules.flow_steps, fields["flow"]) if fields.get("flow") is not None else None
        async with self.s.db.write() as conn:
            row = await self._own_flow(conn, principal, raw_id)
            values: dict[str, Any] = {"updated_at": self.s.clock.now()}
            if name is not None:
                if await store.flow_name_taken(conn, principal.account.id, name, except_id=row["id"]):
                    raise sms_error(-20, "a flow of that name exists")
                values["name"] = name
            if steps is not None:
                values["steps"] = steps
            await store.update_flow(conn, row["id"], **values)
            updated = await store.get_flow(conn, principal.account.id, row["id"])
        assert updated is not None
        return flow_wire(updated)

    async def _own_flow(self, conn: AsyncConnection, principal: Principal, raw_id: str) -> dict[str, Any]:
        row = await store.get_flow(conn, principal.account.id, numeric_id(raw_id))
        if row is None:
            raise sms_error(-24, "no such flow")
        return row

    async def flow_details(self, principal: Principal, raw_id: str) -> dict[str, Any]:
        async with self.s.db.read() as conn:
            return flow_wire(await self._own_flow(conn, principal, raw_id))

    async def flows(self, principal: Principal) -> list[dict[str, Any]]:
        async with self.s.db.read() as conn:
            return [flow_wire(r) for r in await store.list_flows(conn, principal.account.id)]
