"""Plumbing every Fangxin process shares: configuration, clock, store, events, observability.

Domain code never lives here.
"""
