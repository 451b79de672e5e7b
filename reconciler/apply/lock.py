"""The stack lock: one apply of a stack at a time, as a DynamoDB conditional write.

The table has a string partition key `LockID` (the layout of Terraform's S3-backend lock table, so
a team's existing table can be reused); the lock of stack S is the item `LockID = reconciler/S`,
holding who holds it (user, host, pid, command, since when) and a lease. A holder renews its lease
while it works (long rollouts included); a lease that runs out (the holder died) can be taken over,
and so can the lock of a process on this host that no longer exists. `break_lock` is what
`reconciler unlock` calls. Create the table with:

    aws dynamodb create-table --table-name NAME --billing-mode PAY_PER_REQUEST \\
        --attribute-definitions AttributeName=LockID,AttributeType=S --key-schema AttributeName=LockID,KeyType=HASH
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from types import TracebackType
from typing import Any

from reconciler.aws.errors import error_code
from reconciler.errors import ReconcilerError

KEY = "LockID"
LEASE_SECONDS = 60.0
CREATE_TABLE = ("aws dynamodb create-table --table-name {table} --billing-mode PAY_PER_REQUEST "
                "--attribute-definitions AttributeName=LockID,AttributeType=S "
                "--key-schema AttributeName=LockID,KeyType=HASH")


class LockError(ReconcilerError):
    """The lock could not be taken (held by someone else, or no table)."""


@dataclass(frozen=True)
class Holder:
    """Who holds a stack's lock."""

    id: str
    who: str
    host: str
    pid: int
    command: str
    since: str  # ISO 8601, UTC
    expires: float  # epoch seconds

    def describe(self) -> str:
        return f"{self.who}@{self.host} (pid {self.pid}, {self.command}) since {self.since}"


def lock_key(stack: str) -> str:
    return f"reconciler/{stack}"


def _now_iso(clock: Callable[[], float]) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(clock()))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _missing_table(table: str, region: str) -> LockError:
    return LockError(f"the lock table {table!r} does not exist in {region}: create it once with: "
                     + CREATE_TABLE.format(table=table))


class StackLock:
    """The lock of one stack in one table; a context manager that holds it (renewing the lease)."""

    def __init__(self, dynamodb: Any, table: str, stack: str, command: str, region: str = "",
                 lease: float = LEASE_SECONDS, clock: Callable[[], float] = time.time,
                 notice: Callable[[str], None] | None = None) -> None:
        self.dynamodb = dynamodb
        self.table = table
        self.stack = stack
        self.region = region
        self.lease = lease
        self.clock = clock
        self.notice = notice or (lambda message: None)
        self.holder = Holder(uuid.uuid4().hex, getpass.getuser(), socket.gethostname(), os.getpid(), command,
                             _now_iso(clock), 0.0)
        self.lost = False
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    # --- taking and giving back ----------------------------------------------------------
    def acquire(self, timeout: float = 0.0, poll: float = 1.0) -> None:
        """Take the lock, waiting up to `timeout` seconds for its holder; LockError naming the holder."""
        deadline = self.clock() + timeout
        waiting_for: str | None = None
        while True:
            current = self._try()
            if current is None:
                self._start_renewing()
                return
            if current.host == self.holder.host and not _alive(current.pid) and self._take_over(current):
                self.notice(f"took over the lock of {current.describe()}: that process no longer exists")
                self._start_renewing()
                return
            if self.clock() >= deadline:
                raise LockError(
                    f"stack {self.stack} is locked by {current.describe()}; lock id {current.id}. Wait for it "
                    f"(--lock-timeout SECONDS), or if that apply is gone, break the lock with: reconciler unlock "
                    f"{self.stack} {current.id}")
            if current.id != waiting_for:  # once per holder, with how long it may take
                waiting_for = current.id
                self.notice(f"waiting up to {max(0.0, deadline - self.clock()):.0f} s for the lock held by "
                            f"{current.describe()}")
            time.sleep(max(0.05, min(poll, deadline - self.clock())))

    def release(self) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout=5)
        try:
            self.dynamodb.delete_item(TableName=self.table, Key={KEY: {"S": lock_key(self.stack)}},
                                      ConditionExpression="ID = :me", ExpressionAttributeValues={
                                          ":me": {"S": self.holder.id}})
        except Exception as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            self.lost = True

    def __enter__(self) -> StackLock:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.release()

    # --- DynamoDB ----------------------------------------------------------------------------
    def _item(self) -> dict[str, Any]:
        holder = {**asdict(self.holder), "expires": self.clock() + self.lease}
        return {KEY: {"S": lock_key(self.stack)}, "ID": {"S": self.holder.id},
                "Expires": {"N": repr(holder["expires"])}, "Info": {"S": json.dumps(holder, sort_keys=True)}}

    def _try(self) -> Holder | None:
        """None when taken; else who holds it."""
        try:
            self.dynamodb.put_item(
                TableName=self.table, Item=self._item(),
                ConditionExpression="attribute_not_exists(LockID) OR Expires < :now",
                ExpressionAttributeValues={":now": {"N": repr(self.clock())}})
            return None
        except Exception as exc:
            code = error_code(exc)
            if code == "ResourceNotFoundException":
                raise _missing_table(self.table, self.region) from None
            if code != "ConditionalCheckFailedException":
                raise
        held = read_holder(self.dynamodb, self.table, self.stack)
        if held is None:  # released meanwhile: try again at once
            return self._try()
        return held

    def _take_over(self, current: Holder) -> bool:
        try:
            self.dynamodb.put_item(TableName=self.table, Item=self._item(), ConditionExpression="ID = :old",
                                   ExpressionAttributeValues={":old": {"S": current.id}})
            return True
        except Exception as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            return False

    def _start_renewing(self) -> None:
        def renew() -> None:
            while not self._stop.wait(self.lease / 3):
                try:
                    self.dynamodb.update_item(
                        TableName=self.table, Key={KEY: {"S": lock_key(self.stack)}},
                        UpdateExpression="SET Expires = :e", ConditionExpression="ID = :me",
                        ExpressionAttributeValues={":e": {"N": repr(self.clock() + self.lease)},
                                                   ":me": {"S": self.holder.id}})
                except Exception as exc:  # a broken lock is reported when the apply ends; keep working
                    if error_code(exc) == "ConditionalCheckFailedException":
                        self.lost = True
                        return
                    self.notice(f"could not renew the stack lock (will try again): {exc}")

        self._renewer = threading.Thread(target=renew, name=f"lock-{self.stack}", daemon=True)
        self._renewer.start()


def read_holder(dynamodb: Any, table: str, stack: str) -> Holder | None:
    """Who holds the stack's lock now (None: nobody)."""
    try:
        item = dynamodb.get_item(TableName=table, Key={KEY: {"S": lock_key(stack)}}, ConsistentRead=True).get("Item")
    except Exception as exc:
        if error_code(exc) == "ResourceNotFoundException":
            region = getattr(getattr(dynamodb, "meta", None), "region_name", "") or ""
            raise _missing_table(table, str(region)) from None
        raise
    if not item:
        return None
    info = json.loads(item["Info"]["S"])
    return Holder(**{**info, "expires": float(item.get("Expires", {}).get("N", info.get("expires", 0)))})


def break_lock(dynamodb: Any, table: str, stack: str, lock_id: str) -> Holder:
    """Remove the lock if its id is `lock_id` (what `reconciler unlock` does); the holder it had."""
    holder = read_holder(dynamodb, table, stack)
    if holder is None:
        raise LockError(f"stack {stack} is not locked")
    if holder.id != lock_id:
        raise LockError(f"stack {stack} is locked with id {holder.id}, not {lock_id}; nothing was changed")
    try:
        dynamodb.delete_item(TableName=table, Key={KEY: {"S": lock_key(stack)}}, ConditionExpression="ID = :id",
                             ExpressionAttributeValues={":id": {"S": lock_id}})
    except Exception as exc:
        if error_code(exc) == "ConditionalCheckFailedException":
            raise LockError(f"the lock of stack {stack} changed meanwhile; nothing was changed") from None
        raise
    return holder
