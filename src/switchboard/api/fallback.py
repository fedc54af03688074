"""What the API answers when routing finds no route under an API prefix: the envelope, never a bare 404.

- a documented operation that this platform does not offer (yet): the caller is authenticated with the product's
  table (so a client without headers sees its product's header codes), then :data:`NOT_OFFERED` of the product;
- any other path under an API prefix: the product's parameter-exception code.
Paths outside the API prefixes (console, admin API, callbacks) keep the plain 404.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from switchboard.api.deps import PARAMETER_ERROR, authenticated
from switchboard.api.documented import API_PREFIXES, documented
from switchboard.api.responses import error
from switchboard.api.routes import product_for_path
from switchboard.errors import ApiError, Product

# The code of a documented operation that is not offered, per product: the table's nearest reason text
# ("contact the business team", "application not quoted"); docs/api.md lists them. The call center offers
# every operation of the contract, so it has none.
NOT_OFFERED: dict[Product, int] = {
    Product.SMS: -19,  # Confirm SMS pricing with the business team
    Product.VOICE: -22,  # Parameter exception (the voice table has no "contact us" code)
    Product.AIVOICE: -50,  # Application not quoted
}


async def not_found_handler(request: Request, exc: Exception) -> Response:
    path = request.url.path
    if not path.startswith(API_PREFIXES):
        assert isinstance(exc, HTTPException)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
    operation = documented(path)
    product = operation.product if operation is not None else product_for_path(path)
    try:
        if operation is None:
            raise ApiError(product, PARAMETER_ERROR[product], f"no operation {path}")
        await authenticated(product, app=False, restricted_keys=True)(request)
        code = NOT_OFFERED.get(product, PARAMETER_ERROR[product])  # every call-center operation is built
        raise ApiError(product, code, f"{operation.ref} {operation.path} is not offered here")
    except ApiError as refused:
        return error(refused)
