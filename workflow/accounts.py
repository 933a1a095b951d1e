"""Units, users, roles and passwords (argon2id)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.enums import Role, UnitKind
from workflow.errors import NotFound, ValidationFailed
from workflow.models import Unit, UnitAlias, User, UserRole

password_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters

MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return password_hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    try:
        return password_hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(user: User) -> bool:
    return bool(user.password_hash) and password_hasher.check_needs_rehash(user.password_hash or "")


def find_unit(session: Session, name: str) -> Unit | None:
    """A unit by its name or one of its aliases."""
    name = name.strip()
    unit = session.execute(select(Unit).where(Unit.name == name)).scalar_one_or_none()
    if unit is not None:
        return unit
    alias = session.get(UnitAlias, name)
    return alias.unit if alias is not None else None


def create_unit(
    session: Session,
    name: str,
    kind: str = UnitKind.DEPARTMENT,
    aliases: Iterable[str] = (),
    *,
    is_office: bool = False,
) -> Unit:
    name = name.strip()
    if not name:
        raise ValidationFailed("a unit needs a name")
    if find_unit(session, name) is not None:
        raise ValidationFailed(f"unit {name} already exists")
    unit = Unit(name=name, kind=UnitKind(kind).value, active=True, is_office=is_office)
    for alias in dict.fromkeys(a.strip() for a in aliases):
        if alias and alias != name:
            if find_unit(session, alias) is not None:
                raise ValidationFailed(f"alias {alias} already names another unit")
            unit.aliases.append(UnitAlias(alias=alias))
    session.add(unit)
    session.flush()
    return unit


def create_user(
    session: Session,
    *,
    login: str,
    name: str,
    unit: Unit,
    roles: Iterable[str],
    now: datetime,
    email: str | None = None,
    mobile: str | None = None,
    password: str | None = None,
) -> User:
    login = login.strip()
    if not login:
        raise ValidationFailed("a user needs a login")
    if session.execute(select(User.id).where(User.login == login)).first():
        raise ValidationFailed(f"login {login} is taken")
    user = User(
        login=login,
        name=name.strip() or login,
        unit_id=unit.id,
        email=email,
        mobile=mobile,
        active=True,
        created_at=now,
        password_hash=hash_password(password) if password else None,
    )
    user.role_rows = [UserRole(role=Role(r).value) for r in dict.fromkeys(roles)]
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, login: str) -> User:
    user = session.execute(select(User).where(User.login == login)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"no user with login {login}")
    return user


def set_roles(user: User, roles: Iterable[str]) -> None:
    wanted = {Role(r).value for r in roles}
    user.role_rows = [r for r in user.role_rows if r.role in wanted] + [
        UserRole(role=r) for r in sorted(wanted - {r.role for r in user.role_rows})
    ]


def set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)


def add_alias(session: Session, alias: str, unit_name: str) -> Unit:
    """Another name for a unit, used by the importer (区人民政府办公室 → 区政府办)."""
    alias = alias.strip()
    unit = find_unit(session, unit_name)
    if unit is None:
        raise NotFound(f"no unit {unit_name}")
    if not alias:
        raise ValidationFailed("an alias needs a name")
    other = find_unit(session, alias)
    if other is not None:
        if other.id == unit.id:
            return unit
        raise ValidationFailed(f"{alias} already names unit {other.name}")
    unit.aliases.append(UnitAlias(alias=alias))
    session.flush()
    return unit


def remove_alias(session: Session, alias: str, unit_name: str) -> None:
    row = session.get(UnitAlias, alias.strip())
    unit = find_unit(session, unit_name)
    if row is None or unit is None or row.unit_id != unit.id:
        raise NotFound(f"{alias} is not an alias of {unit_name}")
    session.delete(row)
    session.flush()
