"""The office's view (issue 7): dashboard, unit scoreboard, cramming, portal health,
column pages, exports, charts and calendar feeds — a library the web pages sit on.

No Flask here: every function takes a session and `now` and returns plain dataclasses.
"""
