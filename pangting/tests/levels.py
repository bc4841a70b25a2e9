"""A second supervising level for tests (R-O23) and partner accounts (R-O21).

The personas' university supervises its colleges; here one college (丙学院) has its own
supervising department and supervises its own units in turn, as a 院级 committee does with
its branches (a city above a university is the same shape one level higher).
"""

from __future__ import annotations

from typing import Any

from pangting.accounts.models import Role
from pangting.orgs.models import OrganizationKind
from pangting.tests.builders import make_group, make_org, make_person, make_user


class Levels:
    """The personas' world plus a second supervising level under the root."""

    def __init__(self, world: Any) -> None:
        self.w = world
        self.college = make_org(
            "丙学院党委", world.root, code="UC", has_supervisor=True,
            office_name="中共示范大学丙学院委员会宣传部", doc_abbr="丙院宣函",
        )  # fmt: skip
        make_group(self.college)
        self.department = make_org("丙学院机关党总支", self.college, kind=OrganizationKind.GENERAL_BRANCH, code="UC1")
        make_group(self.department)
        self.department_branch = make_org("丙学院机关第一支部", self.department, kind=OrganizationKind.BRANCH)
        self.college_leader = make_person("吴院领导", self.college, post="副书记", is_school_leader=True)
        self.college_supervisor = make_user("college_supervisor", (Role.SUPERVISOR, self.college))
        self.org_department = make_user("zuzhibu", (Role.ORG_DEPARTMENT, world.root))
        self.organs_committee = make_user("gongwei", (Role.ORGANS_COMMITTEE, self.college))
