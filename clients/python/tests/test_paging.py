"""Paging iterators: getSentRcd by startIndex (50 000 rows a call), recordMo by page number."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sdk_testing import APP_ID, FakeApi, Handler, Seen
from switchboard_client import AsyncClient, Client, MoRecord, PriceDetail, SentRecord

START = datetime(2026, 11, 1, tzinfo=UTC)
END = START + timedelta(days=30)


def sent_rows(total: int) -> Handler:
    """A fake getSentRcd over ``total`` rows: every third one failed."""

    def handler(seen: Seen) -> dict[str, object]:
        index = int(seen.query["startIndex"])
        rows = [
            {
                "msgId": f"{2611010000000000000 + n}",
                "number": f"9198{n:08d}",
                "receiveTime": "2026-11-01T00:00:01+00:00",
                "status": "2" if n % 3 == 0 else "0",
            }
            for n in range(index, min(index + 50_000, total))
        ]
        ok = sum(1 for r in rows if r["status"] == "0")
        return {"status": "0", "reason": "success", "success": str(ok), "fail": str(len(rows) - ok), "array": rows}

    return handler


@pytest.mark.parametrize(("total", "calls"), [(0, 1), (7, 1), (50_000, 2), (110_000, 3)])
def test_sent_records_pages_by_start_index(client: Client, api: FakeApi, total: int, calls: int) -> None:
    api.route("/v3/getSentRcd", sent_rows(total))
    records = list(client.sent_records(START, END))
    assert len(records) == total
    assert len({r.msg_id for r in records}) == total
    seen = api.calls("/v3/getSentRcd")
    assert [s.query["startIndex"] for s in seen] == [str(50_000 * i) for i in range(calls)]
    assert all(s.query["startTime"] == "2026-11-01T00:00:00+00:00" for s in seen)
    if total:
        assert records[0] == SentRecord(
            "2611010000000000000", "919800000000", datetime(2026, 11, 1, 0, 0, 1, tzinfo=UTC), "failed"
        )
        assert records[1].status == "delivered"


def test_sent_records_is_lazy(client: Client, api: FakeApi) -> None:
    api.route("/v3/getSentRcd", sent_rows(110_000))
    iterator = client.sent_records(START, END)
    assert api.seen == []
    next(iterator)
    assert len(api.seen) == 1


def mo_handler(total: int) -> Handler:
    def handler(seen: Seen) -> dict[str, object]:
        body = seen.body
        assert set(body) == {"appId", "current", "size", "params"}
        assert body["appId"] == APP_ID and set(body["params"]) == {"strTime", "endTime"}
        current, size = body["current"], body["size"]
        assert isinstance(current, int) and isinstance(size, int)
        first = (current - 1) * size
        records = [
            {
                "number": f"9198{n:08d}",
                "sendId": "1234",
                "receiveTime": "2026-11-02T10:00:00+05:30",
                "content": f"reply {n}",
                "mcc": 404,
                "mnc": "45",
                "operator": "Airtel",
                "pricedetail": {"pay": "0.000000", "chargeCnt": 0, "currency": "USD", "price": "0.000000"},
            }
            for n in range(first, min(first + size, total))
        ]
        data = {"total": total, "size": size, "current": current, "pages": math.ceil(total / size), "records": records}
        return {"status": "0", "reason": "success", "data": data}

    return handler


@pytest.mark.parametrize(("total", "page_size", "calls"), [(0, 100, 1), (100, 100, 1), (101, 100, 2), (25, 10, 3)])
def test_mo_records_pages_by_current(client: Client, api: FakeApi, total: int, page_size: int, calls: int) -> None:
    api.route("/v3/recordMo", mo_handler(total))
    records = list(client.mo_records(START, END, page_size=page_size))
    assert [r.content for r in records] == [f"reply {n}" for n in range(total)]
    seen = api.calls("/v3/recordMo")
    assert [(s.method, s.body["current"], s.body["size"]) for s in seen] == [
        ("POST", n + 1, page_size) for n in range(calls)
    ]
    assert seen[0].body["params"] == {"strTime": "2026-11-01T00:00:00+00:00", "endTime": "2026-12-01T00:00:00+00:00"}
    if total:
        assert records[0] == MoRecord(
            number="919800000000",
            send_id="1234",
            receive_time=datetime.fromisoformat("2026-11-02T10:00:00+05:30"),
            content="reply 0",
            mcc=404,
            mnc=45,
            operator="Airtel",
            price=PriceDetail(pay=Decimal(0), charge_count=0, currency="USD", price=Decimal(0)),
        )


def test_mo_page_size_is_checked_before_any_request(client: Client, api: FakeApi) -> None:
    for size in (0, 101):
        with pytest.raises(ValueError, match="page_size"):
            client.mo_records(START, END, page_size=size)
    assert api.seen == []


async def test_the_async_iterators_page_the_same_way(aclient: AsyncClient, api: FakeApi) -> None:
    api.route("/v3/getSentRcd", sent_rows(50_001))
    api.route("/v3/recordMo", mo_handler(25))
    sent = [r async for r in aclient.sent_records(START, END)]
    mo = [r async for r in aclient.mo_records(START, END, 10)]
    assert len(sent) == 50_001 and len(mo) == 25
    assert [s.query["startIndex"] for s in api.calls("/v3/getSentRcd")] == ["0", "50000"]
    assert [s.body["current"] for s in api.calls("/v3/recordMo")] == [1, 2, 3]
