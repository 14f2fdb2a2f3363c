"""The assignments service's use cases: plain functions over the Kernel, each `(kernel, caller, ...) -> answer`.
Each checks the caller, turns the request body into a command (services.common.validation.load_body, then the
command built with who acts, where and when), decides and appends through the kernel, and answers from the read
models. No nameko here: service.py wires these to RPC.

    needs.py       client needs (beslut): register, read, list, close
    matching.py    candidates for a need, and the offer to one of them
    volunteers.py  the volunteer's own offers and assignments: accept, decline, meetings, deviations, ask to end
    running.py     the running assignment: start, supervise, interrupt, resume, end
    reads.py       an assignment, lists, the worklist, the IVO report, one applicant's assignments, pool status
    reactions.py   others' events: a volunteer who leaves the pool has their live assignments flagged
    access.py      who is calling and what they may reach; the views of an assignment

Who may do what (the gateway checks the token; these check again on every call, see docs/domain.md, "Roles"):
- case workers (case_worker) of the need's municipality: needs, candidates, offers, starting, supervising,
  interrupting, resuming and ending assignments, the worklist and the IVO report. Another municipality's need or
  assignment is "not found".
- a volunteer (volunteer; the token's `sub` is their applicant id, "applicant-<uuid>" or the bare uuid): their
  own offers and assignments only: accept or decline, log and correct meetings, report a deviation, ask to end.
  Someone else's assignment is "not found". A volunteer matched from the regional pool acts on an assignment of
  another municipality: the municipality check then accepts the volunteer's home municipality as well.
- auditors may also read the IVO report; recruiters, case workers and auditors the assignments of one applicant
  (`assignments_for_volunteer`, for the gateway's aggregated applicant view).

Ids in answers: "need-<uuid>", "assignment-<uuid>", volunteers "applicant-<uuid>"; any spelling of the uuid is
accepted (services.common.ids). Dates are ISO strings; "today" is the date in Sweden.
"""
