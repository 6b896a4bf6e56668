"""A split plan as a user writes it: TOML, one [[task]] table per sub-task."""

from __future__ import annotations

import pytest

from loopwright.core.split_plan import PlanError, SubTaskSpec, parse_plan


def test_sub_tasks_without_a_key_are_named_by_their_position() -> None:
    specs = parse_plan('[[task]]\ntitle = "Schema"\n\n[[task]]\nkey = "api"\n'
                       'title = "API"\ndepends_on = ["1"]\npriority = 3\n')
    assert specs == [SubTaskSpec(key="1", title="Schema"),
                     SubTaskSpec(key="api", title="API", depends_on=("1",), priority=3)]


@pytest.mark.parametrize(("text", "message"), [
    ("[[task]\n", "plan: not valid TOML"),
    ("", "plan: no [[task]] tables: a split needs at least one sub-task"),
    ('[[task]]\nbody = "x"\n', "plan: sub-task 1: object missing required field `title`"),
    ('[[task]]\ntitle = "a"\n[[task]]\ntitle = 3\n',
     "plan: sub-task 2: expected `str`, got `int` (`title`)"),
    ('[[task]]\ntitle = "a"\ncolour = "red"\n',
     "plan: sub-task 1: object contains unknown field `colour`"),
])
def test_a_plan_that_cannot_be_read_says_where(text: str, message: str) -> None:
    with pytest.raises(PlanError) as e:
        parse_plan(text)
    assert str(e.value).startswith(message)
