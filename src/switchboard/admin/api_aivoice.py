"""Admin API: AI-voice dialog flows, authored as YAML/JSON by operators (any account) and account users
(their own account only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import Field

from switchboard.admin.access import Operator, services_of, signed_in
from switchboard.admin.errors import NotFound
from switchboard.admin.routing import AdminRoute
from switchboard.admin.schemas import MAX_INT64, MIN_INT64, Model
from switchboard.errors import OperatorError
from switchboard.services.aivoice.flows import Flows

router = APIRouter(route_class=AdminRoute, tags=["admin: intelligent voice"])
SignedIn = Annotated[Operator, Depends(signed_in)]
AccountId = Annotated[int, Query(alias="accountId", ge=MIN_INT64, le=MAX_INT64, description="The flows' account.")]
FlowId = Annotated[int, Path(ge=MIN_INT64, le=MAX_INT64)]


class FlowIn(Model):
    account_id: int
    source: str = Field(max_length=200_000, description="The flow as YAML or JSON (docs/aivoice.md).")


class FlowSaved(Model):
    dialog_flow_id: int
    name: str
    version: int


class FlowOut(Model):
    dialog_flow_id: int
    name: str
    status: str
    version: int
    create_time: str


class FlowSource(Model):
    dialog_flow_id: int
    source: str


@router.get("/aivoice/flows", response_model=list[FlowOut])
async def list_flows(operator: SignedIn, request: Request, account_id: AccountId) -> list[FlowOut]:
    """An account's dialog flows."""
    operator.check_account(account_id)
    rows = await Flows(services_of(request)).listed(account_id)
    return [
        FlowOut(
            dialog_flow_id=r["dialogFlowId"],
            name=r["name"],
            status=r["status"],
            version=r["version"],
            create_time=r["createTime"],
        )
        for r in rows
    ]


@router.post("/aivoice/flows", response_model=FlowSaved)
async def save_flow(body: FlowIn, operator: SignedIn, request: Request) -> FlowSaved:
    """Check and store a flow; the same name stores a new version. A refused flow is 422 with the problem."""
    operator.check_account(body.account_id)
    saved = await Flows(services_of(request)).save(body.account_id, body.source)
    return FlowSaved(dialog_flow_id=saved["dialogFlowId"], name=saved["name"], version=saved["version"])


@router.get("/aivoice/flows/{flow_id}", response_model=FlowSource)
async def show_flow(flow_id: FlowId, operator: SignedIn, request: Request, account_id: AccountId) -> FlowSource:
    """A flow's source as authored."""
    operator.check_account(account_id)
    try:
        source = await Flows(services_of(request)).export(account_id, flow_id)
    except OperatorError as exc:
        raise NotFound(str(exc)) from exc
    return FlowSource(dialog_flow_id=flow_id, source=source)
