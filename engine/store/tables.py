"""SQLModel tables: organisation, definitions, items, tasks, audit events, timers, notifications, outbox, appraisal."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import declared_attr
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator):
    """Aware datetimes stored as UTC on every database (SQLite keeps no zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def ts(**kw: Any) -> Any:
    return Field(default=None, sa_type=UTCDateTime, **kw)


def js(**kw: Any) -> Any:
    return Field(default_factory=dict, sa_type=sa.JSON, **kw)


class Versioned(SQLModel):
    version: int = Field(default=1, nullable=False)

    @declared_attr
    def __mapper_args__(cls) -> dict:  # optimistic locking for ORM writes
        return {"version_id_col": cls.__table__.c.version}


class Unit(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    name_zh: str
    name_en: str
    channels: Optional[list] = Field(default=None, sa_type=sa.JSON)  # the unit's group bots (Apprise URLs)


class RoleCategory(SQLModel, table=True):
    __tablename__ = "role_category"
    id: str = Field(primary_key=True, max_length=64)
    name_zh: str
    name_en: str


class Person(SQLModel, table=True):
    login: str = Field(primary_key=True, max_length=64)
    name_zh: str
    name_en: str = ""
    unit_id: str = Field(foreign_key="unit.id", index=True)
    roles: str = ""  # comma-separated role names
    category: Optional[str] = Field(default=None, foreign_key="role_category.id")
    password_hash: Optional[str] = None
    channels: list = Field(default_factory=list, sa_type=sa.JSON)  # apprise URLs
    digest: bool = False
    active: bool = True
    directory_dn: Optional[str] = Field(default=None, max_length=512)  # set: a directory (LDAP) account
    email: Optional[str] = Field(default=None, max_length=254)
    phone: Optional[str] = Field(default=None, max_length=32)
    dingtalk_userid: Optional[str] = Field(default=None, max_length=64)
    wecom_userid: Optional[str] = Field(default=None, max_length=64)
    must_change_password: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    password_changed_at: Optional[datetime] = ts()
    prefer: Optional[str] = Field(default=None, max_length=16)  # inapp mail dingtalk wecom (None: every channel)


class DefinitionRow(SQLModel, table=True):
    __tablename__ = "definition"
    __table_args__ = (sa.UniqueConstraint("key", "version"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, index=True)
    version: int
    content_hash: str = Field(max_length=32)
    source: str = Field(sa_type=sa.Text)
    title_zh: str
    title_en: str
    created_at: datetime = ts(nullable=False)


class SerialCounter(SQLModel, table=True):
    __tablename__ = "serial_counter"
    definition_key: str = Field(primary_key=True, max_length=64)
    year: int = Field(primary_key=True)
    last: int = 0


class Instance(Versioned, table=True):
    __table_args__ = (sa.UniqueConstraint("definition_key", "serial_year", "serial_no"),
                      sa.Index("ix_instance_state_def", "state", "definition_key"),
                      sa.Index("ix_instance_created", "created_at"),  # the board's periods (0018)
                      sa.Index("ix_instance_state_closed", "state", "closed_at"),
                      sa.Index("ix_instance_state_card", "state", "card"),
                      sa.Index("ix_instance_confidential", "confidential"))  # the board's untallied items (0020)
    id: Optional[int] = Field(default=None, primary_key=True)
    definition_key: str = Field(max_length=64)
    definition_version: int
    serial_year: int
    serial_no: int
    serial: str = Field(max_length=64)
    title: str
    subject: dict = js()
    state: str = Field(max_length=16)
    current_step: Optional[str] = None
    assignment: dict = js()
    lead_unit: Optional[str] = Field(default=None, max_length=64, index=True)
    due_at: Optional[datetime] = ts()
    initiator: str = Field(max_length=64)
    confidential: bool = False
    card: str = Field(default="none", max_length=8)
    progress: Optional[str] = Field(default=None, sa_type=sa.Text)
    progress_percent: Optional[int] = None
    created_at: datetime = ts(nullable=False)
    closed_at: Optional[datetime] = ts()
    parent_id: Optional[int] = Field(default=None, index=True)  # 任务分解: the item this one is a part of
    # 0 for an item, 1 for a part of it, 2 for a part of a part... (a server default: older writers need not know it)
    depth: int = Field(default=0, sa_column=sa.Column("depth", sa.Integer, nullable=False, server_default="0"))
    # 办结评价 (engine.core.rating): satisfied | basically | unsatisfied | none (lapsed, 未评价); null: not asked yet
    rating: Optional[str] = Field(default=None, max_length=16)


CLOSED_TASK = sa.text("closed_at IS NOT NULL")  # the 已办 indexes hold closed tasks only (0021)


class Task(Versioned, table=True):
    __table_args__ = (sa.Index("ix_task_person_state_due", "person", "state", "due_at"),  # 我的待办 (0019)
                      sa.Index("ix_task_unit_state_due", "unit", "state", "due_at"),
                      sa.Index("ix_task_role_state_due", "role", "state", "due_at"),
                      # the board's work by due time (future-due work, the weeks shown; 0020): partial, so that
                      # 我的待办's queries, which do not say kind = 'work', never take it over the holder indexes
                      sa.Index("ix_task_work_due", "due_at", sqlite_where=sa.text("kind = 'work'"),
                               postgresql_where=sa.text("kind = 'work'")),
                      # 我的待办's 已办 tab, keyset-paged newest closed first (0021)
                      *(sa.Index(f"ix_task_{h}_closed", h, "closed_at", "id", sqlite_where=CLOSED_TASK,
                                 postgresql_where=CLOSED_TASK) for h in ("person", "unit", "role")),
                      # 我的待办's open queue read in its order, a page at a time (engine.store.open_queue; 0022)
                      *(sa.Index(f"ix_task_{h}_queue", h, "state", "urgency", "due_at", "id")
                        for h in ("person", "unit", "role")))
    id: Optional[int] = Field(default=None, primary_key=True)
    instance_id: int = Field(foreign_key="instance.id", index=True)
    step: str = Field(max_length=64)
    kind: str = Field(default="work", max_length=16)
    part: str = Field(default="single", max_length=8)
    person: Optional[str] = Field(default=None, max_length=64)
    unit: Optional[str] = Field(default=None, max_length=64)
    role: Optional[str] = Field(default=None, max_length=32)
    state: str = Field(max_length=16)
    round: int = 1
    due_at: Optional[datetime] = ts()
    created_at: datetime = ts(nullable=False)
    accepted_at: Optional[datetime] = ts()
    closed_at: Optional[datetime] = ts()
    from_task: Optional[int] = None
    sender: Optional[str] = Field(default=None, max_length=64)
    card: str = Field(default="none", max_length=8)
    chase_count: int = 0
    last_chased_at: Optional[datetime] = ts()
    outcome: Optional[str] = Field(default=None, max_length=32)
    data: dict = js()
    closed_by: Optional[str] = Field(default=None, max_length=64)  # who closed it (None: the system)
    # its item's urgency rank (engine.core.queue_order.urgency_rank), written by engine.store.items: 我的待办's order
    urgency: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Event(SQLModel, table=True):
    """The audit log (留痕): append-only."""

    id: Optional[int] = Field(default=None, primary_key=True)
    instance_id: Optional[int] = Field(default=None, index=True)
    task_id: Optional[int] = Field(default=None, index=True)
    at: datetime = ts(nullable=False, index=True)
    actor: Optional[str] = Field(default=None, max_length=64, index=True)
    kind: str = Field(max_length=32)
    message_zh: str = Field(sa_type=sa.Text)
    message_en: str = Field(sa_type=sa.Text)
    data: dict = js()
    # the hash chain (engine.core.auditchain): place in commit order, the previous event's hash, this one's
    seq: Optional[int] = Field(default=None, sa_type=sa.BigInteger, nullable=False)
    prev_hash: Optional[str] = Field(default=None, max_length=64, nullable=False)
    hash: Optional[str] = Field(default=None, max_length=64, nullable=False)

    __table_args__ = (sa.Index("ix_event_seq", "seq", unique=True),
                      # the calendar file's fingerprints, found at every start without scanning the trail
                      sa.Index("ix_event_calendar_file", "seq", sqlite_where=sa.text("kind = 'calendar_file'"),
                               postgresql_where=sa.text("kind = 'calendar_file'")))


class Entry(SQLModel, table=True):
    """Comments, progress reports, co-handling opinions, instructions and completion reports."""

    id: Optional[int] = Field(default=None, primary_key=True)
    instance_id: int = Field(foreign_key="instance.id", index=True)
    task_id: Optional[int] = None
    person: str = Field(max_length=64)
    kind: str = Field(max_length=16)
    text: str = Field(sa_type=sa.Text)
    percent: Optional[int] = None
    at: datetime = ts(nullable=False)


class Timer(SQLModel, table=True):
    """A timer is a row: claimed once by a sweep, never an in-memory job."""

    __table_args__ = (sa.Index("ix_timer_state_fire", "state", "fire_at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(max_length=160, unique=True)
    task_id: int = Field(index=True)
    instance_id: int
    kind: str = Field(max_length=16)  # remind, due, chase, escalate, timeout
    seq: int = 0
    fire_at: datetime = ts(nullable=False)
    state: str = Field(default="pending", max_length=12)  # pending fired cancelled superseded failed
    payload: dict = js()
    fired_at: Optional[datetime] = ts()
    attempts: int = 0
    error: Optional[str] = Field(default=None, sa_type=sa.Text)


class Notification(SQLModel, table=True):
    """The in-app inbox: one row per person per message."""

    __table_args__ = (sa.Index("ix_notification_person_read", "person", "read_at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    person: str = Field(max_length=64)
    instance_id: Optional[int] = None
    task_id: Optional[int] = None
    kind: str = Field(max_length=32)
    title: str
    body: str = Field(sa_type=sa.Text)
    title_en: str = ""
    body_en: str = Field(default="", sa_type=sa.Text)
    created_at: datetime = ts(nullable=False)
    read_at: Optional[datetime] = ts()


class Outbox(SQLModel, table=True):
    """Messages to dispatch after commit to a person's channels, retried with backoff."""

    __table_args__ = (sa.Index("ix_outbox_state_next", "state", "next_attempt_at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    notification_id: Optional[int] = Field(default=None, index=True)
    person: str = Field(max_length=64)
    channel: str = Field(sa_type=sa.Text)  # an apprise URL
    title: str
    body: str = Field(sa_type=sa.Text)
    state: str = Field(default="pending", max_length=12)  # pending sent failed dead
    attempts: int = 0
    next_attempt_at: datetime = ts(nullable=False)
    last_error: Optional[str] = Field(default=None, sa_type=sa.Text)
    created_at: datetime = ts(nullable=False)
    sent_at: Optional[datetime] = ts()
    link: Optional[str] = Field(default=None, sa_type=sa.Text)  # the item's or the one-tap link, for a button
    note: Optional[str] = Field(default=None, sa_type=sa.Text)  # why this channel (e.g. a fallback to the unit's)


class CalendarOverride(SQLModel, table=True):
    __tablename__ = "calendar_override"
    day: date = Field(primary_key=True)
    working: bool
    note: str = ""


class DrillClock(SQLModel, table=True):
    """The drill clock's time (`duban serve --simulated-clock`): one row, so a restart continues from it."""

    __tablename__ = "drill_clock"
    id: int = Field(default=1, primary_key=True)
    now: datetime = ts(nullable=False)
    moved_at: datetime = ts(nullable=False)  # real time of the last move


class IdempotencyKey(SQLModel, table=True):
    __tablename__ = "idempotency_key"
    key: str = Field(primary_key=True, max_length=200)
    person: str = Field(primary_key=True, max_length=64)
    status: int
    response: dict = js()
    created_at: datetime = ts(nullable=False, index=True)


class AccessToken(SQLModel, table=True):
    """A bearer token (stored as its hash); expires, and can be revoked."""

    __tablename__ = "access_token"
    token_hash: str = Field(primary_key=True, max_length=64)
    person: str = Field(max_length=64, index=True)
    created_at: datetime = ts(nullable=False)
    expires_at: datetime = ts(nullable=False, index=True)
    revoked_at: Optional[datetime] = ts()


class LoginAttempt(SQLModel, table=True):
    """Sign-in attempts per (account, client address), for rate limiting across replicas. An attempt is written
    as failed before its password is checked (the slot is claimed first) and marked ok when it succeeds."""

    __tablename__ = "login_attempt"
    __table_args__ = (sa.Index("ix_login_attempt_login_client_at", "login", "client", "at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    login: str = Field(max_length=64, index=True)
    at: datetime = ts(nullable=False, index=True)
    ok: bool = False
    # the client address the attempt came from: the lock counts per (login, client), so that nobody elsewhere
    # can lock an account out; '' for attempts made before the column existed
    client: str = Field("", max_length=64, sa_column_kwargs={"server_default": ""})


class PeriodRun(SQLModel, table=True):
    """Keyed periodic starts (e.g. the appraisal cycle for 2026Q1): started exactly once per key."""

    __tablename__ = "period_run"
    key: str = Field(primary_key=True, max_length=100)
    instance_id: Optional[int] = None
    started_at: datetime = ts(nullable=False)


# ---------------------------------------------------------------- appraisal (考核)

class AppraisalCycle(SQLModel, table=True):
    """One appraisal cycle (考核周期): the item that runs it, its period, and what was frozen when it opened."""

    __tablename__ = "appraisal_cycle"
    __table_args__ = (sa.UniqueConstraint("definition_key", "period"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    definition_key: str = Field(max_length=64)
    period: str = Field(max_length=16)  # 2026Q1
    instance_id: int = Field(unique=True)
    period_start: datetime = ts(nullable=False)  # site-local midnight, stored as UTC
    period_end: datetime = ts(nullable=False)  # exclusive
    state: str = Field(max_length=16)  # open measured scored calibrated published final
    schemes: dict = js()  # category -> {id, file, fingerprint, source}: frozen at opening
    settings: dict = js()  # unit heads, sole holders of roles: frozen for attributing tasks
    revision: int = 0  # publication: 1 when published, +1 each time an appeal changes a result
    opened_at: datetime = ts(nullable=False)
    scored_at: Optional[datetime] = ts()
    calibrated_at: Optional[datetime] = ts()
    calibrated_by: Optional[str] = Field(default=None, max_length=64)
    published_at: Optional[datetime] = ts()
    finalized_at: Optional[datetime] = ts()


class AppraisalMember(SQLModel, table=True):
    """A person in a cycle's scope, as the organisation was when the cycle opened."""

    __tablename__ = "appraisal_member"
    __table_args__ = (sa.Index("ix_appraisal_member_unit", "cycle_id", "unit"),)
    cycle_id: int = Field(primary_key=True)
    login: str = Field(primary_key=True, max_length=64)
    name_zh: str
    name_en: str = ""
    unit: str = Field(max_length=64)
    category: str = Field(max_length=64)
    supervisor: Optional[str] = Field(default=None, max_length=64)  # who rates them (上级评价)
    peers: list = Field(default_factory=list, sa_type=sa.JSON)  # suggested from co-handling history


class AppraisalMetric(SQLModel, table=True):
    """A person's task metrics for a cycle's period; each figure with the ids of the tasks it counted."""

    __tablename__ = "appraisal_metric"
    cycle_id: int = Field(primary_key=True)
    login: str = Field(primary_key=True, max_length=64)
    unit: str = Field(max_length=64, index=True)
    figures: dict = js()
    evidence: dict = js()  # figure -> "id,id,..." (ascending)
    computed_at: datetime = ts(nullable=False)


class AppraisalRating(SQLModel, table=True):
    """One rating (self, supervisor or peer) of one person, from a submitted rating task."""

    __tablename__ = "appraisal_rating"
    __table_args__ = (sa.Index("ix_appraisal_rating_ratee", "cycle_id", "ratee"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    cycle_id: int
    ratee: str = Field(max_length=64)
    rater: str = Field(max_length=64)
    relation: str = Field(max_length=16)  # self supervisor peer
    task_id: int = Field(unique=True)
    scores: dict = js()  # dimension -> the value given, on the dimension's scale
    comment: Optional[str] = Field(default=None, sa_type=sa.Text)
    at: datetime = ts(nullable=False)


class AppraisalResult(SQLModel, table=True):
    """A person's result: the computed score and band with their explanation, and the current ones after
    calibration and appeals (see appraisal_change)."""

    __tablename__ = "appraisal_result"
    cycle_id: int = Field(primary_key=True)
    login: str = Field(primary_key=True, max_length=64)
    unit: str = Field(max_length=64, index=True)
    category: str = Field(max_length=64)
    fingerprint: str = Field(max_length=32)  # of the frozen scheme used
    computed_score: Optional[float] = None
    computed_band: Optional[str] = Field(default=None, max_length=32)
    score: Optional[float] = None
    band: Optional[str] = Field(default=None, max_length=32)
    breakdown: dict = js()
    appeal: Optional[str] = Field(default=None, max_length=16)  # open upheld adjusted
    revision: int = 0  # the publication revision that last changed it
    computed_at: datetime = ts(nullable=False)


class AppraisalChange(SQLModel, table=True):
    """Every change to a result after scoring: calibration (校准) and appeals (申诉), with before, after, reason, who."""

    __tablename__ = "appraisal_change"
    __table_args__ = (sa.Index("ix_appraisal_change_cycle", "cycle_id", "login"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    cycle_id: int
    login: str = Field(max_length=64)
    kind: str = Field(max_length=16)  # calibration appeal upheld signoff
    before: dict = js()  # {score, band}
    after: dict = js()
    reason: str = Field(sa_type=sa.Text)
    by: str = Field(max_length=64)
    task_id: Optional[int] = None
    at: datetime = ts(nullable=False)


class AppraisalUnitRun(SQLModel, table=True):
    """A per-unit stage done for a cycle (metrics, scores): how the stage knows every unit is done."""

    __tablename__ = "appraisal_unit_run"
    cycle_id: int = Field(primary_key=True)
    stage: str = Field(primary_key=True, max_length=32)
    unit: str = Field(primary_key=True, max_length=64)
    people: int = 0
    at: datetime = ts(nullable=False)


class Proxy(SQLModel, table=True):
    """A proxy while on leave (代理): `proxy` acts for `principal` from starts_at until `until` (exclusive);
    revoked, never deleted (engine.core.proxies holds the rules)."""

    __tablename__ = "proxy"
    __table_args__ = (sa.Index("ix_proxy_proxy_until", "proxy", "until"),
                      sa.Index("ix_proxy_principal_until", "principal", "until"))
    id: Optional[int] = Field(default=None, primary_key=True)
    principal: str = Field(max_length=64)
    proxy: str = Field(max_length=64)
    starts_at: datetime = ts(nullable=False)
    until: datetime = ts(nullable=False)
    note: str = Field(default="", sa_type=sa.Text)
    created_by: str = Field(max_length=64)
    created_at: datetime = ts(nullable=False)
    revoked_at: Optional[datetime] = ts()
    revoked_by: Optional[str] = Field(default=None, max_length=64)


class OrgStamp(SQLModel, table=True):
    """The organisation's change counter: one row, bumped in the same transaction as every change of a unit or a
    person, so that each process reloads its cached organisation when the number it holds is old."""

    __tablename__ = "org_stamp"
    id: int = Field(default=1, primary_key=True)
    stamp: int = 0
    changed_at: Optional[datetime] = ts()


class AuditHead(SQLModel, table=True):
    """The audit chain's head, one row (id 1): the last event's seq and hash. Every append updates it in the same
    transaction, so concurrent writers queue on this row and the chain cannot fork (engine.store.audit)."""

    __tablename__ = "audit_head"
    id: int = Field(primary_key=True)
    seq: int = Field(sa_type=sa.BigInteger, nullable=False)
    hash: str = Field(max_length=64)


class ServerLease(SQLModel, table=True):
    """A running `duban serve` (one row per process, heartbeated on the wall clock, removed on a clean stop):
    `duban restore` refuses while a fresh one exists (engine.store.leases)."""

    __tablename__ = "server_lease"
    id: str = Field(primary_key=True, max_length=80)
    host: str = Field(max_length=255)
    pid: int
    address: str = Field(max_length=255)  # what it listens on, e.g. http://127.0.0.1:8000
    started_at: datetime = ts(nullable=False)
    heartbeat_at: datetime = ts(nullable=False)


class ActionLink(SQLModel, table=True):
    """A one-tap link (`/go/{token}`) sent to one recipient for one task: the random token is stored only as its
    hash, with the suggested action and the expiry; opening it once uses it up."""

    __tablename__ = "action_link"
    token_hash: str = Field(primary_key=True, max_length=64)
    person: str = Field(max_length=64, index=True)
    instance_id: int
    task_id: Optional[int] = None
    action: str = Field(max_length=32)  # accept, progress, read
    kind: str = Field(max_length=32)  # the message's kind (task_new, chase, ...)
    created_at: datetime = ts(nullable=False)
    expires_at: datetime = ts(nullable=False)
    used_at: Optional[datetime] = ts()
    used_by: Optional[str] = Field(default=None, max_length=64)
# ---------------------------------------------------------------- bulletins (督查通报)

class SentBulletin(SQLModel, table=True):
    """A scheduled bulletin as it was sent: its once-per-period key (also in period_run), its period, who got it,
    and the whole document model in both languages, so that it renders again exactly as it was."""

    __tablename__ = "bulletin"
    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(max_length=100, unique=True)
    definition: str = Field(max_length=64)
    heading: str = Field(max_length=200)
    since: date
    until: date
    sent_at: datetime = ts(nullable=False)
    recipients: list = Field(default_factory=list, sa_type=sa.JSON)
    model: dict = Field(default_factory=dict, sa_type=sa.JSON)  # {"zh": {...}, "en": {...}}
class Attachment(SQLModel, table=True):
    """A file (附件) of an item: a scanned 来文, completion material... Its bytes live in the file store keyed by
    `sha256` (identical content stored once); a removed file keeps its row and its bytes (removed_* say who and
    why). `entry_id`: the entry it came with (a progress report, a completion report...), once attached."""

    id: Optional[int] = Field(default=None, primary_key=True)
    instance_id: Optional[int] = Field(default=None, foreign_key="instance.id", index=True)  # None: staged upload
    sha256: str = Field(max_length=64, index=True)
    name: str = Field(max_length=255)
    size: int = Field(sa_type=sa.BigInteger)
    content_type: str = Field(max_length=100)
    note: Optional[str] = Field(default=None, max_length=500)
    origin: str = Field(max_length=16)  # registration progress complete comment instruct extension appeal opinion item
    entry_id: Optional[int] = Field(default=None, index=True)
    uploaded_by: str = Field(max_length=64)
    uploaded_at: datetime = ts(nullable=False)
    removed_at: Optional[datetime] = ts()
    removed_by: Optional[str] = Field(default=None, max_length=64)
    removed_reason: Optional[str] = Field(default=None, max_length=500)
    text: Optional[str] = Field(default=None, sa_type=sa.Text)  # extracted at upload (PDF, Word), for search
# ---------------------------------------------------------------- search (检索)

class SearchDoc(SQLModel, table=True):
    """One searchable text of an item: its serial, title, a subject field, an entry (progress, report, opinion,
    comment, instruction), an attachment's name or the text inside it. Written in the transaction of the change
    that alters the text (engine.store.search). `norm` is the text normalised (engine.core.search.normalise);
    the index tokens (CJK characters and pairs, words) are in the FTS5 table `search_fts` (rowid = id) on SQLite
    and in `tokens` (a GIN-indexed text array, NULL on SQLite) on PostgreSQL, beside a pg_trgm index on `norm`."""

    __tablename__ = "search_doc"
    __table_args__ = (sa.Index("ix_search_doc_ref", "source", "ref_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    instance_id: int = Field(foreign_key="instance.id", index=True)
    source: str = Field(max_length=16)  # item entry attachment
    ref_id: Optional[int] = None  # the entry's or the attachment's id
    field: str = Field(max_length=64)  # serial title <subject field> <entry kind> attachment attachment_text
    text: str = Field(sa_type=sa.Text)
    norm: str = Field(sa_type=sa.Text)
    tokens: Optional[list] = Field(default=None, sa_type=sa.JSON().with_variant(
        ARRAY(sa.Text()), "postgresql"))
    at: datetime = ts(nullable=False)


_KEY_DOC = """kind ('item' or 'work'), the item's definition, state and UTC day it was issued (created_at), its
lead unit and 办结评价 ('' for none), and for work the holder's unit and person ('' for none)"""


class BoardShare(SQLModel, table=True):
    """What one item adds to the board's clock-free counts (engine.store.board_tally): one 'item' row and one 'work'
    row per holder (unit, person) of its handling work tasks. Keyed by """ + _KEY_DOC + """. Rewritten in the
    transaction that changes the item, its tasks or its completion material; the tally is the sum of these rows
    over the items that are not confidential."""

    __tablename__ = "board_share"
    item_id: int = Field(primary_key=True)
    kind: str = Field(primary_key=True, max_length=8)
    unit: str = Field(primary_key=True, max_length=64)
    person: str = Field(primary_key=True, max_length=64)
    definition_key: str = Field(max_length=64)
    state: str = Field(max_length=16)
    day: date
    lead_unit: str = Field(max_length=64)
    rating: str = Field(max_length=16)
    confidential: bool = False
    n: int = 0  # items, or work tasks received
    material: int = 0  # with completion material (an 'item' row)
    closed: int = 0  # work done
    chases: int = 0
    yellow: int = 0
    red: int = 0
    open: int = 0  # work still open (pending or active)
    open_undated: int = 0  # of it, with no due time (never overdue)
    late_if_past: int = 0  # open or done work, due, not closed by its due time: late once the due time has passed
    on_time_done: int = 0  # done work closed by its due time


class BoardTally(SQLModel, table=True):
    """The board's clock-free counts summed over every item that is not confidential, by day and by month (`span`),
    keyed by """ + _KEY_DOC + """ (engine.store.board_tally keeps it equal to the sum of board_share; `duban board
    rebuild` recomputes both)."""

    __tablename__ = "board_tally"
    span: str = Field(primary_key=True, max_length=1)  # 'd': `day` is the day; 'm': the month `day` begins
    kind: str = Field(primary_key=True, max_length=8)
    definition_key: str = Field(primary_key=True, max_length=64)
    state: str = Field(primary_key=True, max_length=16)
    day: date = Field(primary_key=True)
    lead_unit: str = Field(primary_key=True, max_length=64)
    rating: str = Field(primary_key=True, max_length=16)
    unit: str = Field(primary_key=True, max_length=64)
    person: str = Field(primary_key=True, max_length=64)
    n: int = 0
    material: int = 0
    closed: int = 0
    chases: int = 0
    yellow: int = 0
    red: int = 0
    open: int = 0
    open_undated: int = 0
    late_if_past: int = 0
    on_time_done: int = 0


# a serial number typed without its prefix or year (15号) finds its items through this index
IX_INSTANCE_SERIAL_NO = sa.Index("ix_instance_serial_no", Instance.__table__.c.serial_no,
                                 Instance.__table__.c.serial_year)
