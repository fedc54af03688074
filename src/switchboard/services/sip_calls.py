"""sendSip (V8): call a number from one of the app's SIP phones (click-to-call).

The request is checked, priced and paid for like a notification call: the callee's voice rate is the price of
one bill block, and the call's longest possible length (the app's ``sip_max_duration``) is reserved, then
refunded down to the exact charge of the callee leg when the call ends (``workers/bridged.py``). The phone
must be one of the app's (another app's or account's phone: -22). Whether it is registered is found when the
call is placed: an unregistered phone's call ends with a record saying so, and nothing billed.

Codes: callee missing or not 7-15 digits, displayNum not 7-15 digits, calledInfo over 1000 characters,
account missing or not the app's phone -22; no voice rate for the destination -26; balance -10.
"""

from __future__ import annotations

from typing import Any

from switchboard.auth.authenticate import Principal
from switchboard.domain.voice.phones import ACCOUNT
from switchboard.domain.voice.validation import (
    DIGITS_7_15,
    MAX_CALLED_INFO,
    check_callee,
    text_field,
    voice_error,
)
from switchboard.services.voice import SIP, VoiceOptions, VoiceService
from switchboard.store import phones


async def send_sip(service: VoiceService, principal: Principal, params: dict[str, Any]) -> str:
    """V8: queue the bridged call; answers its voiceId."""
    assert principal.app is not None
    raw, account = text_field(params, "callee"), text_field(params, "account")
    callee = check_callee(raw) if raw is not None else None
    if callee is None:
        raise voice_error(-22, "callee must be a possible number of 7-15 digits")
    if account is None or not ACCOUNT.match(account):
        raise voice_error(-22, "account is the phone's SIP account (sipQuery)")
    display = text_field(params, "displayNum")
    if display is not None and not DIGITS_7_15.match(display):
        raise voice_error(-22, "displayNum must be 7-15 digits")
    info = text_field(params, "calledInfo")
    if info is not None and len(info) > MAX_CALLED_INFO:
        raise voice_error(-22, f"calledInfo is at most {MAX_CALLED_INFO} characters")
    opts = VoiceOptions.of(principal.app.options)
    s = service.s
    async with s.db.read() as conn:
        phone = await phones.get_phone(conn, account, app_id=principal.app.app_id)
        if phone is None:
            raise voice_error(-22, "no such phone in this app")
        rate = (await service.prices(conn, principal)).rate_for(callee.country, callee.digits)
    if rate is None:
        raise voice_error(-26, "no voice rate for the destination")
    row = service.row(
        principal,
        callee,
        price=rate.price,
        opts=opts,
        limit=opts.sip_max_duration,
        type=SIP,
        display_num=display or phone.display_num,
        audio=f"phone:{phone.account}",
        audio_ms=0,
        loop_count=1,
        max_duration=opts.sip_max_duration,
        max_ringing=opts.sip_ringing,
        called_info=info,
        sip_group_name=phone.group_name,
        phone_name=phone.phone_name,
    )
    await service.commit(principal, [row])
    s.wake("voice")
    return str(row["voice_id"])
