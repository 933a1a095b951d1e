"""sanshen's workflow library: the 三审 state machine, its rules, models and services.

It imports neither Flask nor RQ: a script can use it on its own. Services take a
session, the acting user and `now`, and return an Outcome; `workflow.runner` commits.
"""

from workflow.enums import Action, Role, State

__all__ = ["Action", "Role", "State"]
