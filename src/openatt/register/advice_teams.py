"""Advising teams (defence, foreign affairs, intelligence, technical...) and who advises
for each: data with history, every change an event in the log.

A team's ``topics`` say which of the engine's findings its advisers are shown on a case
(a technical team needs the goods and the diversion findings, not the human-rights ones).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from openatt.core.model import Topic
from openatt.register import audit, canonical
from openatt.register.errors import Conflict, Invalid, NotFound
from openatt.register.models import AdviceTeamMemberRow, AdviceTeamRow, Role, User
from openatt.register.permissions import Permission, require
from openatt.register.users import Actor

CODE = re.compile(r"^[a-z][a-z0-9_-]{1,39}$")
# Who may advise for a team: advisers, and officers who sit on one.
MEMBER_ROLES = frozenset({Role.adviser, Role.officer, Role.senior_reviewer})


def topics_of(team: AdviceTeamRow) -> list[str]:
    return [str(t) for t in json.loads(team.topics or "[]")]


def add_team(
    session: Session, actor: Actor, *, code: str, name: str, topics: Sequence[str] = ()
) -> AdviceTeamRow:
    require(actor, Permission.team_manage)
    if not CODE.match(code):
        raise Invalid(
            "a team code is 2-40 lower-case letters, digits, '-' or '_', starting with a letter",
            field=("code",),
        )
    if not name.strip():
        raise Invalid("give the team a name", field=("name",))
    unknown = sorted(set(topics) - set(Topic.__members__))
    if unknown:
        raise Invalid(
            f"unknown topics {', '.join(unknown)}; known: {', '.join(Topic.__members__)}",
            field=("topics",),
        )
    if session.execute(select(AdviceTeamRow.id).where(AdviceTeamRow.code == code)).first():
        raise Conflict(f"team {code!r} exists", field=("code",))
    team = AdviceTeamRow(
        code=code,
        name=name.strip(),
        topics=canonical.dumps(sorted(set(topics))),
        active=True,
        created_by=actor.id,
        created_at=dt.datetime.now(dt.UTC),
    )
    session.add(team)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="advice_team.add",
        row=team,
        payload={"code": code, "name": team.name, "topics": topics_of(team)},
    )
    return team


def list_teams(session: Session, actor: Actor) -> list[AdviceTeamRow]:
    require(actor, Permission.team_read)
    return list(session.execute(select(AdviceTeamRow).order_by(AdviceTeamRow.code)).scalars())


def team_by_code(session: Session, code: str, field: tuple[str | int, ...]) -> AdviceTeamRow:
    team = session.execute(select(AdviceTeamRow).where(AdviceTeamRow.code == code)).scalar()
    if team is None or not team.active:
        raise Invalid(f"no team {code!r}", field=field)
    return team


def add_member(session: Session, actor: Actor, *, team: str, username: str) -> AdviceTeamMemberRow:
    """Put a user on a team: an adviser, or an officer who advises for it."""
    require(actor, Permission.team_manage)
    found = team_by_code(session, team, ("team",))
    user = session.execute(select(User).where(User.username == username)).scalar()
    if user is None:
        raise Invalid(f"no user {username!r}", field=("username",))
    if Role(user.role) not in MEMBER_ROLES:
        raise Invalid(
            f"{username} is {user.role}; only advisers and officers advise for a team",
            field=("username",),
        )
    taken = session.execute(
        select(AdviceTeamMemberRow.id).where(
            AdviceTeamMemberRow.team_id == found.id, AdviceTeamMemberRow.user_id == user.id
        )
    ).first()
    if taken:
        raise Conflict(f"{username} is already on {team}", field=("username",))
    member = AdviceTeamMemberRow(
        team_id=found.id, user_id=user.id, added_by=actor.id, added_at=dt.datetime.now(dt.UTC)
    )
    session.add(member)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="advice_team.member_add",
        row=member,
        payload={"team": team, "username": username},
    )
    return member


def team_ids_of(session: Session, user_id: int) -> set[int]:
    return set(
        session.execute(
            select(AdviceTeamMemberRow.team_id).where(AdviceTeamMemberRow.user_id == user_id)
        ).scalars()
    )


def members_of(session: Session) -> dict[int, list[str]]:
    """Usernames by team id."""
    found: dict[int, list[str]] = {}
    rows = session.execute(
        select(AdviceTeamMemberRow.team_id, User.username)
        .join(User, User.id == AdviceTeamMemberRow.user_id)
        .order_by(User.username)
    ).all()
    for team_id, username in rows:
        found.setdefault(int(team_id), []).append(str(username))
    return found


def get_team(session: Session, team_id: int) -> AdviceTeamRow:
    team = session.get(AdviceTeamRow, team_id)
    if team is None:
        raise NotFound(f"team {team_id} not found")
    return team
