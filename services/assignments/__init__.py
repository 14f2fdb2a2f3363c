"""Assignments: client needs (beslut), matching, offers, the running assignment and its meetings.

Read domain.py first: it names the two deciders and every command.
"""
