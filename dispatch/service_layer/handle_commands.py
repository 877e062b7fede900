"""The command step of the stream: a batch of `incidents.commands` in, incident events out.

As with reports: `prepare` drops positions already recorded, decodes each command and
dead-letters what is malformed or names an unknown incident (the caller publishes those);
`record` applies the rest in order and stores, in one transaction, the incidents' new
events, a receipt per command, and a tracking row per partition (partition by partition
when the store refuses the whole batch, or cannot take several positions). A command id
seen before is not applied again. A command the incident refuses leaves a `CommandRejected`
event on the incident, with the reason, published like any other event.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Tracking

from dispatch.commands import decode_command
from dispatch.contracts import InvalidMessage
from dispatch.domain.command_receipt import CommandReceipt, receipt_id_for
from dispatch.domain.errors import DomainError
from dispatch.domain.incident import Incident
from dispatch.service_layer.apply_command import apply_command
from dispatch.service_layer.dispatcher import Dispatcher
from dispatch.service_layer.inbound import (DeadLetter, InboundMessage, fresh_by_stream,
                                            record_partition)
from dispatch.service_layer.incident_service import IncidentService


@dataclass
class CommandPartition:
    stream: str
    last_offset: int
    commands: list = field(default_factory=list)


@dataclass
class PreparedCommands:
    partitions: list[CommandPartition]
    dead_letters: list[DeadLetter]
    redelivered: int


@dataclass(frozen=True)
class CommandOutcome:
    applied: int
    rejected: int
    duplicates: int


class HandleCommands:
    def __init__(self, service: IncidentService, dispatcher: Dispatcher):
        self.service = service
        self.dispatcher = dispatcher

    def prepare(self, messages: Sequence[InboundMessage]) -> PreparedCommands:
        streams, redelivered = fresh_by_stream(self.service, messages)
        partitions, dead_letters = [], []
        for stream, fresh in streams:
            partition = CommandPartition(stream, max(m.offset for m in fresh))
            decoded = []
            for message in fresh:
                try:
                    decoded.append((message, decode_command(message.value)))
                except InvalidMessage as invalid:
                    dead_letters.append(DeadLetter(message, invalid.reason, invalid.errors))
            known = self.service.existing({command.incident_id for _, command in decoded})
            for message, command in decoded:
                if command.incident_id in known:
                    partition.commands.append(command)
                else:
                    dead_letters.append(DeadLetter(message, f"unknown incident {command.incident_id}",
                                                   [{"field": "incident_id", "type": "unknown",
                                                     "message": "no such incident",
                                                     "value": str(command.incident_id)}]))
            partitions.append(partition)
        return PreparedCommands(partitions, dead_letters, redelivered)

    def record(self, prepared: PreparedCommands) -> CommandOutcome:
        partitions = prepared.partitions
        if len(partitions) > 1 and self.service.records_several_positions:
            try:   # one commit a batch, as the route step does
                return CommandOutcome(*self._apply(partitions, [
                    Tracking(p.stream, p.last_offset + 1) for p in partitions]))
            except IntegrityError:
                pass   # a position another worker took, an incident changed: one by one
        applied = rejected = duplicates = 0
        for partition in partitions:
            tracking = Tracking(partition.stream, partition.last_offset + 1)
            # Refused when another writer (the route step, the SLA watcher) changed one of
            # the incidents since it was loaded: applied again to what is stored now.
            counts = record_partition(self.service, tracking,
                                      lambda _: self._apply([partition], [tracking]))
            counts = counts or (0, 0, 0)  # another worker handled this position
            applied, rejected, duplicates = (applied + counts[0], rejected + counts[1],
                                             duplicates + counts[2])
        return CommandOutcome(applied, rejected, duplicates)

    def _apply(self, partitions: list[CommandPartition],
               tracking: list[Tracking]) -> tuple[int, int, int]:
        commands = [(receipt_id_for(command.command_id), command)
                    for partition in partitions for command in partition.commands]
        seen = self.service.existing({receipt_id for receipt_id, _ in commands})
        # Loaded together (one store query for the kept ones), not one by one.
        incidents: dict[UUID, Incident] = self.service.get_incidents(
            command.incident_id for receipt_id, command in commands if receipt_id not in seen)
        receipts: list[CommandReceipt] = []
        applied = rejected = duplicates = 0
        for receipt_id, command in commands:
            if receipt_id in seen:
                duplicates += 1
                continue
            seen.add(receipt_id)
            incident = incidents.get(command.incident_id)
            if incident is None:
                incident = incidents[command.incident_id] = self.service.get_incident(command.incident_id)
            try:
                apply_command(incident, command, self.dispatcher)
                outcome, reason = "applied", ""
                applied += 1
            except DomainError as error:
                outcome, reason = "rejected", str(error)
                incident.reject_command(command.command_id, command.type, command.issued_by,
                                        reason, at=command.at)
                rejected += 1
            receipts.append(CommandReceipt(
                command_id=command.command_id, incident_id=str(command.incident_id),
                command_type=command.type, issued_by=command.issued_by, outcome=outcome,
                reason=reason, at=command.at))
        self.service.record([*incidents.values(), *receipts], *tracking)
        return applied, rejected, duplicates
