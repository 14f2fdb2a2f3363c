"""The payments service as the kernel sees it: its read tables, the service whose events it follows, and what it
keeps to itself.

It follows assignments (AssignmentStarted, MeetingLogged, MeetingCorrected, AssignmentEnded; the rest it records as
seen) to know each assignment's plan, volunteer and responsible case worker, and each month's meetings. It reacts
to none of them with a command: a month is paid only after the case worker approves its report (an RPC), so
`react` is None. Its own events are published whole, except a volunteer's personnummer, birth date and bank
account (TaxDetailsChanged), which never leave its database.
"""
from pathlib import Path

from services.common.kernel import ServiceSpec

from . import events  # noqa: F401 (registers the upcasters of the events' old versions)
from .domain.tax_details import published_data
from .read import PROJECTIONS

SPEC = ServiceSpec(
    name="payments",
    projections=PROJECTIONS,
    sources=("assignments",),
    react=None,
    migrations=Path(__file__).parent / "migrations",
    published_data=published_data,
)
