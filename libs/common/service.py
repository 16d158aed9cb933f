"""What a service declares about itself, and the runtime that runs its workers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

from aiokafka import AIOKafkaProducer
from fastapi import APIRouter
from sqlalchemy import MetaData, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from libs.common import kafka
from libs.common.applier import EventApplier
from libs.common.batching import Batcher, BatchHandler
from libs.common.consumer import KafkaEventConsumer
from libs.common.db import create_engine, session_factory
from libs.common.event_handlers import EventHandlers
from libs.common.events.envelope import topic_of
from libs.common.logging import get_logger
from libs.common.pii import PiiVault
from libs.common.platform_schema import dead_letter
from libs.common.relay import OutboxRelay
from libs.common.resync import OutboxResync
from libs.common.settings import ServiceSettings

log = get_logger(__name__)
PARTNER_TOPIC = "gridgov.partner.payments"


@dataclass(frozen=True)
class Chore:
    """Work each process of a service does on a schedule, with no request to start it."""

    name: str
    every_seconds: float
    run: Callable[[Runtime], Awaitable[None]]


class PartnerDirectory(Protocol):
    """Where a process finds the partners' signing secrets."""

    async def secrets(self) -> Mapping[str, Sequence[str]]:
        """Each active partner's secrets that verify now (disabled partners absent)."""
        ...


@dataclass(frozen=True)
class ConfiguredPartners:
    """Partners as configured (`GRIDGOV_PARTNER_SECRETS`), for a service without a table."""

    configured: Mapping[str, Sequence[str]]

    async def secrets(self) -> Mapping[str, Sequence[str]]:
        """The configured partners, each with its one secret."""
        return self.configured


@dataclass
class ServiceSpec:
    """Everything the platform needs to know to run one service."""

    name: str
    title: str
    description: str
    metadata: MetaData
    migrations: Path
    routers: list[APIRouter] = field(default_factory=list)
    event_handlers: Callable[[ServiceSettings], EventHandlers] | None = None
    """The events the service consumes and their handlers (`consumers.event_handlers`),
    built from the settings, since some need the service's secrets and keys."""
    consumes_from: tuple[str, ...] = ()
    """Producing services (or 'partner') whose topics this service consumes."""
    collect_metrics: Callable[[Runtime], Awaitable[None]] | None = None
    chores: tuple[Chore, ...] = ()
    partner_directory: Callable[[Runtime], PartnerDirectory] | None = None
    """Where the service's processes find partners' secrets (a table, read through a cache);
    without one, the configured `GRIDGOV_PARTNER_SECRETS`."""
    problems: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    """Problem statuses an operation answers beyond those its declaration implies
    (`libs/common/openapi.py`), keyed `"METHOD /path"`: what its use case raises."""


class Runtime:
    """A running service: its database, producer and background workers."""

    def __init__(self, spec: ServiceSpec, settings: ServiceSettings) -> None:
        self.spec = spec
        self.settings = settings
        self.engine: AsyncEngine = create_engine(settings.db_url())
        # A statement sees one snapshot by itself: a read made of single statements needs no
        # BEGIN and ROLLBACK, and on a connection in autocommit mode the pool's pre-ping is
        # one round trip instead of three (BEGIN, ping, ROLLBACK). Opened on first use.
        self.reads: AsyncEngine = create_engine(
            settings.db_url(), isolation_level="AUTOCOMMIT", pool_size=5, max_overflow=5
        )
        self.sessions: async_sessionmaker[AsyncSession] = session_factory(self.engine)
        self._batchers: dict[str, Batcher[Any, Any]] = {}
        self.producer: AIOKafkaProducer | None = None
        self.relay: OutboxRelay | None = None
        self.consumer: KafkaEventConsumer | None = None
        self.resync: OutboxResync | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._jobs: set[asyncio.Task[Any]] = set()
        self._chores: list[asyncio.Task[None]] = []
        self._turns: dict[str, asyncio.Semaphore] = {}

    @cached_property
    def vault(self) -> PiiVault:
        """The service's vault for personal identifiers, its keys derived once."""
        return PiiVault(self.settings.pii_key.get_secret_value())

    @cached_property
    def partners(self) -> PartnerDirectory:
        """Where this process finds each partner's signing secrets in the clear."""
        if self.spec.partner_directory is not None:
            return self.spec.partner_directory(self)
        return ConfiguredPartners(
            {k: (v.get_secret_value(),) for k, v in self.settings.partner_secrets.items()}
        )

    def topic(self, name: str) -> str:
        """A topic name with the configured prefix (tests isolate themselves with it)."""
        return self.settings.topic_prefix + name

    def handlers(self) -> EventHandlers:
        """The service's event handlers, built from its settings."""
        if self.spec.event_handlers is None:
            return EventHandlers({})
        return self.spec.event_handlers(self.settings)

    def applier(self) -> EventApplier:
        """The idempotent applier of this service's event handlers."""
        return EventApplier(
            self.spec.name,
            self.sessions,
            self.handlers(),
            max_attempts=self.settings.consumer_max_attempts,
            dlq_topic=f"gridgov.{self.spec.name}.dlq",
        )

    def batcher(self, name: str, handler: BatchHandler[Any, Any]) -> Batcher[Any, Any]:
        """The process's batcher for one kind of request (made on first use, by name)."""
        if name not in self._batchers:
            self._batchers[name] = Batcher(self.sessions, handler)
        return self._batchers[name]

    def turns(self, name: str, at_once: int) -> asyncio.Semaphore:
        """The process's limit on how many jobs of one kind run at once (made on first use,
        by name): each holds a connection, and requests need the pool too."""
        if name not in self._turns:
            self._turns[name] = asyncio.Semaphore(at_once)
        return self._turns[name]

    def run_in_background(self, work: Coroutine[Any, Any, Any], name: str) -> None:
        """Run `work` (a long job a request started) beside the requests. The service's
        stop cancels what is still running: a job records for itself that it stopped."""
        job = asyncio.create_task(work, name=name)
        self._jobs.add(job)
        job.add_done_callback(self._job_done)

    def _job_done(self, job: asyncio.Task[Any]) -> None:
        self._jobs.discard(job)
        if not job.cancelled() and (error := job.exception()) is not None:
            log.warning("background job failed", job=job.get_name(), error=repr(error))

    async def dead_letters(self) -> list[Any]:
        """Dead letters not yet replayed, oldest first."""
        async with self.engine.connect() as conn:
            query = (
                select(dead_letter)
                .where(dead_letter.c.replayed_at.is_(None))
                .order_by(dead_letter.c.id)
            )
            return list((await conn.execute(query)).all())

    async def start_workers(self) -> None:
        """Start the outbox relay, the consumer and the re-sync loop."""
        bootstrap = self.settings.kafka_bootstrap_servers
        own = [self.topic(topic_of(self.spec.name)), self.topic(f"gridgov.{self.spec.name}.dlq")]
        await kafka.ensure_topics(bootstrap, own)
        self.producer = kafka.new_producer(bootstrap)
        await self._start_producer()
        self.relay = OutboxRelay(
            self.spec.name,
            self.engine,
            self.producer,
            topic_prefix=self.settings.topic_prefix,
            poll_seconds=self.settings.relay_poll_seconds,
            bootstrap_servers=bootstrap,
        )
        self._tasks.append(asyncio.create_task(self.relay.run(), name="outbox-relay"))
        if self.spec.consumes_from:
            self._start_consumers()
        self.start_chores()

    def start_chores(self) -> None:
        """Run each of the service's chores now and then every `every_seconds`."""
        for chore in self.spec.chores:
            self._chores.append(asyncio.create_task(self._keep_doing(chore), name=chore.name))

    async def _keep_doing(self, chore: Chore) -> None:
        while True:
            try:
                await chore.run(self)
            except Exception as exc:  # the next round may succeed (the database back)
                log.warning("chore failed", chore=chore.name, error=repr(exc))
            await asyncio.sleep(chore.every_seconds)

    async def _start_producer(self) -> None:
        assert self.producer is not None
        while True:
            try:
                await self.producer.start()
                return
            except Exception as exc:  # broker not up yet
                log.warning("broker unreachable, retrying", error=repr(exc))
                await asyncio.sleep(1.0)

    def _start_consumers(self) -> None:
        topics = [self.topic(_topic_for(source)) for source in self.spec.consumes_from]
        applier = self.applier()
        self.consumer = KafkaEventConsumer(
            applier,
            self.settings.kafka_bootstrap_servers,
            topics,
            group_id=self.topic(f"gridgov.{self.spec.name}"),
        )
        self._tasks.append(asyncio.create_task(self.consumer.run(), name="consumer"))
        sources = {s: self.settings.url_of(s) for s in self.spec.consumes_from if s != "partner"}
        self.resync = OutboxResync(
            applier,
            self.engine,
            sources,
            token=self.settings.service_token.get_secret_value(),
            interval_seconds=self.settings.resync_interval_seconds,
            grace_seconds=self.settings.resync_grace_seconds,
        )
        self._tasks.append(asyncio.create_task(self.resync.run(), name="resync"))

    async def stop(self) -> None:
        """Stop the background jobs and the workers (finishing the batch in flight), then
        close connections."""
        for task in [*self._chores, *self._jobs]:
            task.cancel()
        await asyncio.gather(*self._chores, *self._jobs, return_exceptions=True)
        self._chores.clear()
        for batcher in self._batchers.values():
            await batcher.stop()
        for worker in (self.relay, self.consumer, self.resync):
            if worker is not None:
                worker.stop.set()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=10)
            for task in pending:
                task.cancel()
        if self.producer is not None:
            with contextlib.suppress(Exception):
                await self.producer.stop()
        await self.engine.dispose()
        await self.reads.dispose()


def _topic_for(source: str) -> str:
    return PARTNER_TOPIC if source == "partner" else topic_of(source)
