"""A volunteer's tax details in a municipality: finance records them (every change an event with who and why) and
reads them back masked."""
from __future__ import annotations

from marshmallow import ValidationError

from services.common.envelope import Metadata
from services.common.roles import FINANCE, Caller
from services.common.sweden import today
from services.common.validation import load_body

from ..domain.tax_details import TAX_DETAILS, SetTaxDetails, stream_id
from ..read import tax_details as tax_details_read
from ..schemas import SetTaxDetailsBody


def set_tax_details(kernel, caller: Caller, volunteer_id, body) -> dict:
    """TaxDetailsChanged: `body` is SetTaxDetailsBody {municipality, personnummer (the first time),
    withholding_basis, withholding_percent, bank_account, reason}. Returns tax_details (masked)."""
    fields = load_body(SetTaxDetailsBody, body)
    municipality = fields["municipality"]
    caller.require(municipality, FINANCE)
    if not isinstance(volunteer_id, str) or not volunteer_id.strip():
        raise ValidationError({"volunteer_id": ["required"]})
    command = SetTaxDetails(municipality, volunteer_id, caller.actor, today(), fields["reason"],
                            fields["withholding_basis"], fields["withholding_percent"], fields["personnummer"],
                            fields["bank_account"])
    kernel.execute(TAX_DETAILS, stream_id(municipality, volunteer_id), command,
                   Metadata(municipality=municipality, actor=caller.actor))
    return _tax_details(kernel, municipality, volunteer_id)


def tax_details(kernel, caller: Caller, municipality: str, volunteer_id) -> dict:
    caller.require(municipality, FINANCE)
    return _tax_details(kernel, municipality, volunteer_id)


def _tax_details(kernel, municipality: str, volunteer_id) -> dict:
    return kernel.find(volunteer_id, lambda conn, v: tax_details_read.tax_details(conn, municipality, v),
                       "tax details")
