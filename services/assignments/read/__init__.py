"""The assignments service's read models, one module each with its Projection and the queries over its tables:

    pool.py         MatchingPool  pool_volunteers, pool_checks      who matching may ask (from applicants' and
                                                                   registry_checks' events, and own offers/ends)
    needs.py        Needs         needs                             the client needs (beslut)
    assignments.py  Assignments   assignments, assignment_meetings,  the assignments, their meetings and timeline
                                  assignment_timeline

Every table is rebuilt from events (services.common.projections.rebuild). Queries return JSON-ready rows (dates
ISO, instants ISO in UTC) or the domain's own values (PoolEntry, NeedRow, AssignmentRow).
"""
