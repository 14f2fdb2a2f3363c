"""The payments service as the kernel sees it: its read tables, the service whose events it follows, and what it
keeps to itself.

It follows assignments (AssignmentStarted, MeetingLogged, MeetingCorrected, AssignmentEnded; the rest it records as
seen) to know each assignment's plan, volunteer and responsible case worker, and each month's meetings. It reacts
to none of them with a command: a month is paid only after the case worker approves its report (an RPC), so
`react` is None. Its own events are published whole, except a volunteer's personnummer, birth date and bank
account (TaxDetailsChanged) and an individual decision's reason (ArvodeLevelDecided, OmkostnadExcessApproved),
which never leave its database (events.published_data).
"""
from pathlib import Path

from services.common.kernel import ServiceSpec

from .events import published_data  # (importing events registers the upcasters of the old versions)
from .read import PROJECTIONS

SPEC = ServiceSpec(
    name="payments",
    projections=PROJECTIONS,
    sources=("assignments",),
    react=None,
    migrations=Path(__file__).parent / "migrations",
    published_data=published_data,
)
