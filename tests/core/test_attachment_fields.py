"""The files sent with an entry, as the core takes them: a list of at most 20 ids, none twice, each one the actor
uploaded to the item and has not sent yet (what the store answers through ctx.attachable)."""
from __future__ import annotations

import pytest

from engine.core.actions.dispatch import check_attachments
from engine.core.fields import coerce
from engine.core.model import Actor
from engine.core.states import InputError


def test_file_ids_are_whole_numbers_at_most_twenty_none_twice():
    assert coerce("attachments", [3, "4"], "attachments") == [3, 4]
    assert coerce("attachments", "5, 6", "attachments") == [5, 6]
    for bad in ([1, 1], list(range(1, 22)), [0], ["x"], [True], [2**31], "a,b", {"id": 1}):
        with pytest.raises(InputError) as e:
            coerce("attachments", bad, "attachments")
        assert e.value.field == "attachments"


class Item:
    id = 7


class Ctx:
    def __init__(self, mine: set[int]):
        self.mine = mine
        self.asked: list[tuple] = []

    def attachable(self, item_id: int, login: str, ids: list[int]) -> set[int]:
        self.asked.append((item_id, login, tuple(ids)))
        return self.mine & set(ids)


def test_only_the_files_the_actor_uploaded_and_has_not_sent_go_with_an_entry():
    ctx = Ctx({10, 11})
    head = Actor("finance.head", "finance", frozenset({"unit_head"}))
    assert check_attachments(Item(), head, [10, 11], ctx) == (10, 11)
    assert ctx.asked == [(7, "finance.head", (10, 11))]
    with pytest.raises(InputError) as e:
        check_attachments(Item(), head, [10, 12], ctx)
    assert e.value.field == "attachments" and "12" in e.value.zh
    assert check_attachments(Item(), head, [], Ctx(set())) == ()
