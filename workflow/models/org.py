"""Units (单位), their aliases, users and roles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.enums import Role, UnitKind
from workflow.models.base import Base, UTCDateTime


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default=UnitKind.DEPARTMENT)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The district office (区政府办): only its office editors may 审发.
    is_office: Mapped[bool] = mapped_column(Boolean, default=False)

    aliases: Mapped[list[UnitAlias]] = relationship(
        back_populates="unit", cascade="all, delete-orphan"
    )
    users: Mapped[list[User]] = relationship(back_populates="unit")

    def __repr__(self) -> str:
        return f"<Unit {self.id} {self.name}>"


class UnitAlias(Base):
    """Another name the documents use for a unit (区政府办 = 政府办 = 区人民政府办公室)."""

    __tablename__ = "unit_aliases"

    alias: Mapped[str] = mapped_column(String(100), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)

    unit: Mapped[Unit] = relationship(back_populates="aliases")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    mobile: Mapped[str | None] = mapped_column(String(32))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The interface language the user chose (None: the default, zh_CN).
    locale: Mapped[str | None] = mapped_column(String(10))
    # Set when an administrator sets or resets the password: the next login must change it.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    # TOTP (RFC 6238) secret in base32 once two-factor login is enrolled, and the last
    # time step accepted (a code is good once: no replay within its 30 seconds).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    unit: Mapped[Unit] = relationship(back_populates="users")
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(r.role) for r in self.role_rows)

    def has_role(self, role: Role) -> bool:
        return any(r.role == role for r in self.role_rows)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.login}>"


class UserRole(Base):
    """A role a user holds within their own unit (office_editor: for the whole portal)."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")
